from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "Classroom: students, enrollment and progress"

    def ready(self):
        # Connects the receivers that keep cached progress exact.
        from classroom import progress  # noqa: F401
