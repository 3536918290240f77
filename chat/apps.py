from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat: a live room per course"

    def ready(self):
        from chat import signals

        signals.connect()
