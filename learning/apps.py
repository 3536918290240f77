from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning: the course catalogue"

    def ready(self):
        # Connects the cache-invalidation receivers (page and enrollment signals).
        from learning import caching  # noqa: F401
