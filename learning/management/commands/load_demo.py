"""Placeholder: builds the empty site tree (the full demo content is being written)."""

from django.core.management.base import BaseCommand
from wagtail.models import Site

from learning.factories import build_site_tree
from learning.models import HomePage


class Command(BaseCommand):
    help = "Build the demo catalogue."

    def handle(self, *args, **options):
        if not HomePage.objects.exists():
            build_site_tree()
        self.stdout.write(
            f"Site root: {Site.objects.get(is_default_site=True).root_page}"
        )
