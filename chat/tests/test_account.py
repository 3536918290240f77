"""The chat's part of the account (chat.account): messages in "Download my data";
a deleted user's messages stay in their rooms as "Deleted user", however the account
is deleted; their open sockets are closed."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from chat.consumers import with_roles
from chat.models import DELETED_AUTHOR, ChatMessage
from chat.tests.test_access_changes import closed_within_a_second
from chat.tests.test_consumers import joined, next_frame
from classroom import account

User = get_user_model()


@pytest.fixture
def said(enrolled, instructor, course):
    ChatMessage.objects.create(course=course, author=enrolled, text="A question?")
    ChatMessage.objects.create(course=course, author=instructor, text="An answer.")
    ChatMessage.objects.create(course=course, author=enrolled, text="Thanks!")


@pytest.mark.django_db
def test_export_lists_the_users_messages(enrolled, course, said):
    rows = account.export_data(enrolled)["chat_messages"]
    assert [(row["course"], row["text"]) for row in rows] == [
        (course.pk, "A question?"),
        (course.pk, "Thanks!"),
    ]


@pytest.mark.django_db
def test_a_deleted_users_messages_stay_as_deleted_user(
    client, enrolled, instructor, course, said
):
    account.delete_account(enrolled)

    assert [(m.author_name, m.text) for m in ChatMessage.objects.all()] == [
        (DELETED_AUTHOR, "A question?"),
        ("instructor", "An answer."),
        (DELETED_AUTHOR, "Thanks!"),
    ]
    client.force_login(instructor)
    html = client.get(f"/chat/room/{course.pk}/").content.decode()
    assert html.count(DELETED_AUTHOR) == 2
    # No account stands in for them.
    assert not User.objects.filter(username=DELETED_AUTHOR).exists()


@pytest.mark.django_db
def test_messages_survive_a_deletion_in_the_admin_too(enrolled, course, said):
    enrolled.delete()
    frames = [m.as_frame() for m in ChatMessage.objects.in_room(course.pk)]
    assert [(f["user"], f["message"]) for f in frames] == [
        (DELETED_AUTHOR, "A question?"),
        ("instructor", "An answer."),
        (DELETED_AUTHOR, "Thanks!"),
    ]


@pytest.mark.django_db
def test_history_with_a_deleted_author_still_gives_roles(
    enrolled, instructor, course, said
):
    enrolled.delete()
    messages = with_roles(course.pk, list(ChatMessage.objects.in_room(course.pk)))
    assert [m.author_role for m in messages] == [None, "owner", None]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_deleted_users_socket_is_closed(connect_as, enrolled, instructor):
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)

    await sync_to_async(account.delete_account)(enrolled)

    assert await closed_within_a_second(alice)
    assert (await next_frame(teacher, "presence"))["left"]["name"] == "student"
