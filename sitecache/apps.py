from django.apps import AppConfig
from django.db.models.signals import post_migrate

from sitecache.tags import forget_everything


class SitecacheConfig(AppConfig):
    name = "sitecache"
    verbose_name = "Site cache: shared entries that forget only what changed"

    def ready(self):
        # Imported once the models are loaded (Django's app registry).
        from sitecache import pages, receivers

        pages.connect()
        receivers.connect()
        # A release runs migrate (`make serve` does, each start): what the previous
        # release's templates rendered (fragments, pages, shells) goes with it.
        post_migrate.connect(
            release_deployed, sender=self, dispatch_uid="sitecache.release"
        )


def release_deployed(**kwargs):
    forget_everything()
