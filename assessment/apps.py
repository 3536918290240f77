from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "Assessment: quizzes, assignments and grades"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the models are loaded (Django's app registry).
        from assessment import account, decorations, signals

        signals.connect()
        # Each student's status of a quiz or an assignment inside the shared body.
        decorations.register()
        # Attempts, hand-ins and grades in "Download my data", "Delete my account".
        account.register()
