"""The chat's part of the account (chat.account): messages in "Download my data";
a deleted user's messages stay in their rooms as "Deleted user"; their open
sockets are closed."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from chat.account import DELETED_USERNAME, deleted_user
from chat.models import ChatMessage
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

    assert [(m.author.get_username(), m.text) for m in ChatMessage.objects.all()] == [
        (DELETED_USERNAME, "A question?"),
        ("instructor", "An answer."),
        (DELETED_USERNAME, "Thanks!"),
    ]
    client.force_login(instructor)
    html = client.get(f"/chat/room/{course.pk}/").content.decode()
    assert html.count(DELETED_USERNAME) == 2


@pytest.mark.django_db
def test_the_placeholder_author_cannot_log_in(client, enrolled, said):
    account.delete_account(enrolled)
    placeholder = deleted_user()
    assert not placeholder.is_active
    assert not placeholder.has_usable_password()
    assert User.objects.filter(username=DELETED_USERNAME).count() == 1


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
