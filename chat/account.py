"""The chat's part of a user's account (classroom.account): their messages in the
data export, and what becomes of them when the account is deleted.

A deleted user's messages stay in their rooms, signed by one placeholder account,
"Deleted user", so that the conversations around them still read (the answers to a
question, the thread of a discussion). The placeholder cannot log in (inactive,
no usable password) and no one can sign up under its name (usernames have no
spaces). Deleting a user any other way (the admin) deletes their messages with
them (ChatMessage.author is CASCADE).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from chat.models import ChatMessage
from classroom.account import register_part

DELETED_USERNAME = "Deleted user"

ON_DELETE_NOTE = (
    "your chat messages stay in their rooms, signed “Deleted user” instead of your "
    "name, so that the conversations they are part of still make sense."
)


def deleted_user():
    """The placeholder author of a deleted user's messages (made once)."""
    user, _ = get_user_model().objects.get_or_create(
        username=DELETED_USERNAME,
        defaults={"is_active": False, "password": make_password(None)},
    )
    return user


def export_messages(user):
    """The user's chat messages, oldest first (one query)."""
    rows = (
        ChatMessage.objects.filter(author=user)
        .order_by("id")
        .values("id", "course_id", "course__title", "text", "created")
    )
    return [
        {
            "id": row["id"],
            "course": row["course_id"],
            "course_title": row["course__title"],
            "text": row["text"],
            "created": row["created"],
        }
        for row in rows
    ]


def keep_messages(user):
    """Before the user is deleted: their messages go to the placeholder author."""
    ChatMessage.objects.filter(author=user).update(author=deleted_user())


def register():
    """Called once, from ChatConfig.ready()."""
    register_part(
        "chat_messages",
        export_messages,
        before_delete=keep_messages,
        on_delete_note=ON_DELETE_NOTE,
    )
