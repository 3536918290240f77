from django.apps import AppConfig
from django.db.models.signals import post_save
from django.urls import register_converter
from wagtail.signals import post_page_move

from learning import converters


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning: the course catalogue"

    def ready(self):
        # Before any URLconf is loaded: every app's paths use them.
        register_converter(converters.IdConverter, "id")
        register_converter(converters.BlockIdConverter, "block")

        # Imported once the models are loaded (Django's app registry).
        from learning import frontcache
        from learning.models import CatalogPage
        from learning.permissions import catalog_saved, page_moved, page_saved

        frontcache.connect()

        # However the catalogue is made (admin, load_demo, tests), instructors get
        # their page permissions on it.
        post_save.connect(
            catalog_saved, sender=CatalogPage, dispatch_uid="learning.catalog_saved"
        )

        # A course's owner owns its modules (learning.permissions).
        post_save.connect(page_saved, dispatch_uid="learning.owner_carried")
        post_page_move.connect(page_moved, dispatch_uid="learning.owner_moved")
