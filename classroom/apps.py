from django.apps import AppConfig

from learning.access import register_rule
from sitecache import tags


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "Classroom: students, enrollment and progress"

    def ready(self):
        # Imported once the models are loaded (Django's app registry).
        from classroom import access, decorations, enrollment, progress, signals

        register_rule(access)  # the one rule every door asks (learning.access)
        # The access rule reads the user's course-team roles on most requests.
        tags.register_user_tags("team")
        progress.connect()
        signals.connect()
        enrollment.connect()
        # Its parts and ticks in learning's pages (which name slots, not templates).
        decorations.register()
