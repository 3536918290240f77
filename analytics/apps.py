from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """What a course's students do, drawn for its teachers."""

    name = "analytics"
    verbose_name = "Analytics"
