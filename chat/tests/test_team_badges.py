"""The team in the chat: the socket door for every role (the chat column of
classroom/tests/test_team_doors.py), each message carrying its author's role in the
course (live, in history and on the room page), and the team moderating the room."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from chat.models import ChatMessage
from chat.routing import websocket_urlpatterns
from chat.tests.test_consumers import joined, next_frame
from classroom.models import CourseMember
from classroom.team import grant_admin_access
from demo.factories import CoursePageFactory, UserFactory


def member_of(course, username, role):
    user = UserFactory(username=username)
    CourseMember.objects.create(course=course, user=user, role=role)
    grant_admin_access(user)
    return user


@pytest.fixture
def assistant(course):
    return member_of(course, "assistant", CourseMember.ASSISTANT)


@pytest.fixture
def co_instructor(course):
    return member_of(course, "co-instructor", CourseMember.INSTRUCTOR)


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("instructor", "owner"),
        ("co_instructor", "instructor"),
        ("assistant", "assistant"),
        ("enrolled", None),
    ],
)
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_live_message_carries_its_authors_role(
    connect_as, request, enrolled, who, role
):
    author = await sync_to_async(request.getfixturevalue)(who)
    listener = await connect_as(enrolled)
    await joined(listener)
    speaker = listener if author == enrolled else await connect_as(author)
    if speaker is not listener:
        await joined(speaker)
    await speaker.send_json_to({"message": "hello"})
    frame = await next_frame(listener, "chat_message")
    assert frame["user"] == author.get_username()
    assert frame["role"] == role
    await listener.disconnect()
    if speaker is not listener:
        await speaker.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_history_carries_the_roles(connect_as, course, enrolled, assistant):
    @sync_to_async
    def said():
        for author, text in (
            (assistant, "from the assistant"),
            (enrolled, "a student"),
        ):
            ChatMessage.objects.create(course=course, author=author, text=text)

    await said()
    socket = await connect_as(enrolled)
    await joined(socket)
    await socket.send_json_to({"type": "history"})
    frame = await next_frame(socket, "history")
    assert [(m["message"], m["role"]) for m in frame["messages"]] == [
        ("from the assistant", "assistant"),
        ("a student", None),
    ]
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_role_changed_shows_on_the_next_message(connect_as, assistant):
    socket = await connect_as(assistant)
    await joined(socket)

    @sync_to_async
    def promote():
        member = CourseMember.objects.get(user=assistant)
        member.role = CourseMember.INSTRUCTOR
        member.save()

    await promote()
    await asyncio.sleep(0.3)  # the change is pushed to the socket after commit
    await socket.send_json_to({"message": "promoted"})
    frame = await next_frame(socket, "chat_message")
    assert frame["role"] == "instructor"
    await socket.disconnect()


@pytest.mark.django_db
def test_the_room_page_shows_badges_in_words(client, course, enrolled, assistant):
    ChatMessage.objects.create(course=course, author=assistant, text="office hours")
    ChatMessage.objects.create(course=course, author=course.owner, text="welcome")
    ChatMessage.objects.create(course=course, author=enrolled, text="thanks")
    client.force_login(enrolled)
    response = client.get(f"/chat/room/{course.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="chat-badge chat-badge--assistant">Assistant</span>' in html
    assert '<span class="chat-badge chat-badge--owner">Owner</span>' in html
    assert html.count('class="chat-badge ') == 2  # the student's message has none


@pytest.mark.django_db
def test_the_room_page_reads_the_team_in_one_query(
    client, course, enrolled, assistant, django_assert_max_num_queries
):
    for index in range(10):
        ChatMessage.objects.create(course=course, author=assistant, text=f"m{index}")
    client.force_login(enrolled)
    client.get(f"/chat/room/{course.pk}/")  # warm the caches
    from chat.consumers import with_roles

    messages, _ = ChatMessage.objects.latest_page(course.pk)
    with django_assert_max_num_queries(1):
        with_roles(course.pk, messages)
    assert {message.author_role for message in messages} == {"assistant"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["assistant", "co_instructor"])
def test_the_team_moderates_the_room(client, course, enrolled, request, who):
    message = ChatMessage.objects.create(course=course, author=enrolled, text="spam")
    client.force_login(request.getfixturevalue(who))
    listing = client.get(reverse("chat_messages:index"))
    assert [m.text for m in listing.context["object_list"]] == ["spam"]
    delete = reverse("chat_messages:delete", args=[message.pk])
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not ChatMessage.objects.filter(pk=message.pk).exists()


@pytest.mark.django_db
def test_another_courses_team_does_not_moderate_this_room(
    client, course, enrolled, other_instructor
):
    geometry = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    helper = member_of(geometry, "helper", CourseMember.ASSISTANT)
    message = ChatMessage.objects.create(course=course, author=enrolled, text="hi")
    client.force_login(helper)
    assert list(client.get(reverse("chat_messages:index")).context["object_list"]) == []
    delete = reverse("chat_messages:delete", args=[message.pk])
    assert client.post(delete).status_code == 404
    assert ChatMessage.objects.filter(pk=message.pk).exists()


# --- The socket door, role by role ------------------------------------------------

ROLES = ["owner", "instructor", "assistant", "elsewhere", "enrolled", "outsider"]
READERS = {"owner", "instructor", "assistant", "enrolled"}


@pytest.fixture
def everyone(course, instructor, co_instructor, assistant, enrolled, outsider):
    geometry = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", slug="geometry"
    )
    return {
        "owner": instructor,
        "instructor": co_instructor,
        "assistant": assistant,
        "elsewhere": member_of(geometry, "elsewhere", CourseMember.ASSISTANT),
        "enrolled": enrolled,
        "outsider": outsider,
    }


async def open_socket(user, course_id):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/chat/room/{course_id}/"
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("role", ROLES)
async def test_chat_socket_door(everyone, course, role):
    socket = await open_socket(everyone[role], course.pk)
    try:
        first = await socket.receive_output(timeout=2)
        if role in READERS:
            assert first["type"] == "websocket.send"
            assert '"presence"' in first["text"]
        else:
            assert first == {"type": "websocket.close", "code": 4403}
    finally:
        await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_removing_an_assistant_closes_their_socket(course, assistant):
    socket = await open_socket(assistant, course.pk)
    assert '"presence"' in (await socket.receive_output(timeout=2))["text"]
    await sync_to_async(
        CourseMember.objects.filter(user=assistant, course=course).delete
    )()
    for _ in range(10):
        frame = await socket.receive_output(timeout=2)
        if frame["type"] == "websocket.close":
            assert frame["code"] == 4403
            break
    else:
        pytest.fail("the socket stayed open")
    await socket.disconnect()
