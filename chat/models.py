"""Messages of the course chat rooms."""

from django.conf import settings
from django.db import models


class ChatMessage(models.Model):
    """One message said in a course's room."""

    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="chat_messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["course", "id"])]

    def __str__(self):
        return f"{self.author}: {self.text[:40]}"
