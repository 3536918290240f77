from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat: a live room per course"

    def ready(self):
        from chat import account, signals

        signals.connect()
        # The user's messages in "Download my data" and "Delete my account".
        account.register()
