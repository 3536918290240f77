"""The chat's part of a user's account (classroom.account): their messages in the
data export, and what becomes of them when the account is deleted.

A deleted user's messages stay in their rooms with their author emptied
(ChatMessage.author is SET_NULL), shown as "Deleted user", so that the
conversations around them still read (the answers to a question, the thread of a
discussion). That holds however the account is deleted: here or in the admin.
"""

from chat.models import DELETED_AUTHOR, ChatMessage
from classroom.account import exported, register_part

ON_DELETE_NOTE = (
    f"your chat messages stay in their rooms, signed “{DELETED_AUTHOR}” instead of "
    "your name, so that the conversations they are part of still make sense."
)


def export_messages(user):
    """The user's chat messages, oldest first (one query)."""
    return exported(
        ChatMessage.objects.filter(author=user),
        ("id",),
        id="id",
        course="course_id",
        course_title="course__title",
        text="text",
        created="created",
    )


def register():
    """Called once, from ChatConfig.ready()."""
    register_part("chat_messages", export_messages, on_delete_note=ON_DELETE_NOTE)
