from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "site_search"
    verbose_name = "Site search"

    def ready(self):
        from search import signals

        signals.connect()
