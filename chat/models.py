"""Messages of the course chat rooms."""

import datetime
import json

from django.conf import settings
from django.db import models


class ChatMessageQuerySet(models.QuerySet):
    def in_room(self, course_id):
        """A room's messages with their authors, ready to render or send."""
        return self.filter(course_id=course_id).select_related("author")

    def latest_page(self, course_id, before=None, limit=50):
        """Up to `limit` messages before id `before` (or the newest), oldest first.

        Returns (messages, has_more): one extra row is read to know whether older
        messages remain, so the client knows when to stop scrolling back.
        """
        queryset = self.in_room(course_id)
        if before is not None:
            queryset = queryset.filter(id__lt=before)
        rows = list(queryset.order_by("-id")[: limit + 1])
        return rows[:limit][::-1], len(rows) > limit

    def page_after(self, course_id, after, limit=50):
        """Up to `limit` messages after id `after`, oldest first; more to come?"""
        rows = list(
            self.in_room(course_id).filter(id__gt=after).order_by("id")[: limit + 1]
        )
        return rows[:limit], len(rows) > limit


# How a room names the author of a message whose account was deleted.
DELETED_AUTHOR = "Deleted user"


class ChatMessage(models.Model):
    """One message said in a course's room."""

    course = models.ForeignKey(
        "learning.CoursePage", on_delete=models.CASCADE, related_name="chat_messages"
    )
    # Emptied when the author's account is deleted: the message stays, so the
    # conversation around it still reads.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ChatMessageQuerySet.as_manager()

    # Not content that uses its course: Wagtail's reference index (the admin's
    # "Usage" of a page) would list every message, and write on each one.
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["course", "id"])]

    def __str__(self):
        return f"{self.author_name}: {self.text[:40]}"

    @property
    def author_name(self):
        """Who said it, as rooms show it."""
        return self.author.get_username() if self.author else DELETED_AUTHOR

    # The author's role in the course ("owner", "instructor", "assistant" or None),
    # set by whoever builds the frame (the consumer, the history, the room page):
    # it is the team's, never stored with the message.
    author_role = None

    def as_frame(self):
        """The message as the socket sends it: {"type": "chat_message", ...}."""
        return {
            "type": "chat_message",
            "id": self.id,
            "message": self.text,
            "user": self.author_name,
            "role": self.author_role,
            "datetime": self.created.astimezone(datetime.UTC).isoformat(),
        }

    def as_json(self):
        return json.dumps(self.as_frame(), ensure_ascii=False)
