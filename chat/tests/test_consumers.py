"""The chat socket's rules, one test each, through WebsocketCommunicator."""

import datetime
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from chat import consumers
from chat.models import ChatMessage
from chat.routing import websocket_application

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


async def joined(communicator):
    """Read the frames a new member gets (who is online, its own arrival)."""
    welcome = await communicator.receive_json_from()
    assert welcome["type"] == "presence"
    assert "users" in welcome
    arrival = await communicator.receive_json_from()
    assert arrival["type"] == "presence"
    return welcome["users"]


async def next_frame(communicator, kind):
    """The next frame of a type, skipping presence news (others coming and going)."""
    while True:
        frame = await communicator.receive_json_from()
        if frame.get("type") != "presence" or kind == "presence":
            assert frame.get("type") == kind, frame
            return frame


@sync_to_async
def stored_texts(course):
    return list(
        ChatMessage.objects.filter(course=course).values_list("text", flat=True)
    )


async def test_member_message_reaches_every_member(connect_as, enrolled, instructor):
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)

    await alice.send_json_to({"message": "Hello, teacher"})

    for communicator in (alice, teacher):
        frame = await next_frame(communicator, "chat_message")
        assert frame["message"] == "Hello, teacher"
        assert frame["user"] == "student"
        sent = datetime.datetime.fromisoformat(frame["datetime"])
        assert sent.utcoffset() == datetime.timedelta(0)
        assert abs(datetime.datetime.now(datetime.UTC) - sent).total_seconds() < 30
        stored = await ChatMessage.objects.aget(pk=frame["id"])
        assert stored.text == "Hello, teacher"


async def test_message_is_stored_before_it_is_broadcast(
    connect_as, enrolled, monkeypatch
):
    seen_in_database = []
    broadcast = consumers.ChatConsumer.broadcast

    async def checking_broadcast(self, text):
        frame = json.loads(text)
        if frame.get("type") == "chat_message":
            exists = await ChatMessage.objects.filter(pk=frame["id"]).aexists()
            seen_in_database.append(exists)
        await broadcast(self, text)

    monkeypatch.setattr(consumers.ChatConsumer, "broadcast", checking_broadcast)
    alice = await connect_as(enrolled)
    await joined(alice)
    await alice.send_json_to({"message": "kept"})
    await next_frame(alice, "chat_message")
    assert seen_in_database == [True]


async def test_outsider_is_closed_with_4403_before_joining(
    connect_as, enrolled, outsider, course
):
    member = await connect_as(enrolled)
    await joined(member)
    stranger = await connect_as(outsider)
    assert await stranger.receive_output() == {"type": "websocket.close", "code": 4403}

    await member.send_json_to({"message": "only for members"})
    await next_frame(member, "chat_message")
    assert await stranger.receive_nothing()
    presence = await consumers.presence_store().members(consumers.room_group(course.pk))
    assert [user["name"] for user in presence] == ["student"]


async def test_visitor_is_closed_with_4403(connect_as):
    from django.contrib.auth.models import AnonymousUser

    visitor = await connect_as(AnonymousUser())
    assert await visitor.receive_output() == {"type": "websocket.close", "code": 4403}


async def test_unknown_course_is_closed_with_4404(connect_as, enrolled, course):
    lost = await connect_as(enrolled, course_id=course.pk + 1000)
    assert await lost.receive_output() == {"type": "websocket.close", "code": 4404}


async def test_owner_and_superuser_may_join(connect_as, instructor):
    from demo.factories import UserFactory

    admin = await sync_to_async(UserFactory)(username="root", is_superuser=True)
    for user in (instructor, admin):
        communicator = await connect_as(user)
        users = await joined(communicator)
        assert user.username in [member["name"] for member in users]


async def test_reconnecting_member_catches_up_from_last_seen_id(
    connect_as, enrolled, instructor
):
    teacher = await connect_as(instructor)
    await joined(teacher)
    alice = await connect_as(enrolled)
    await joined(alice)
    await teacher.send_json_to({"message": "first"})
    last_seen = (await next_frame(alice, "chat_message"))["id"]
    await next_frame(teacher, "chat_message")
    await alice.disconnect()

    for text in ("missed one", "missed two"):
        await teacher.send_json_to({"message": text})
        assert (await next_frame(teacher, "chat_message"))["message"] == text

    alice = await connect_as(enrolled)
    await joined(alice)
    await alice.send_json_to({"type": "history", "after": last_seen})
    frame = await next_frame(alice, "history")
    assert [m["message"] for m in frame["messages"]] == ["missed one", "missed two"]
    assert frame["has_more"] is False
    assert all(m["user"] == "instructor" for m in frame["messages"])


async def test_history_before_an_id_pages_back_fifty_at_a_time(
    connect_as, enrolled, course
):
    @sync_to_async
    def say(count):
        ChatMessage.objects.bulk_create(
            ChatMessage(course=course, author=enrolled, text=f"m{n}")
            for n in range(count)
        )
        return list(ChatMessage.objects.order_by("id").values_list("id", flat=True))

    ids = await say(60)
    alice = await connect_as(enrolled)
    await joined(alice)

    await alice.send_json_to({"type": "history", "before": ids[-1] + 1})
    newest = await next_frame(alice, "history")
    assert [m["id"] for m in newest["messages"]] == ids[10:]
    assert newest["has_more"] is True

    await alice.send_json_to({"type": "history", "before": ids[10]})
    oldest = await next_frame(alice, "history")
    assert [m["message"] for m in oldest["messages"]] == [f"m{n}" for n in range(10)]
    assert oldest["has_more"] is False


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ('{"message": ""}', "message is empty"),
        ('{"message": "   \\n\\t "}', "message is empty"),
        (json.dumps({"message": "x" * 2001}), "message is too long"),
        ("{not json", "invalid JSON"),
        ('["a", "list"]', "expected a JSON object"),
        ('{"message": 42}', "message must be text"),
        ('{"type": "shout", "message": "hi"}', "unknown message type"),
        ('{"type": "history", "before": "yesterday"}', "before and after"),
    ],
)
async def test_bad_input_gets_an_error_frame_and_nothing_is_sent(
    connect_as, enrolled, instructor, course, frame, error
):
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)
    await next_frame(alice, "presence")  # the teacher's arrival

    await alice.send_to(text_data=frame)

    answer = await alice.receive_json_from()
    assert answer["error"].startswith(error)
    assert await teacher.receive_nothing()
    assert await stored_texts(course) == []
    # The connection stays open and usable.
    await alice.send_json_to({"message": "still here"})
    assert (await next_frame(teacher, "chat_message"))["message"] == "still here"


async def test_message_of_exactly_the_maximum_length_is_accepted(
    connect_as, enrolled, course
):
    alice = await connect_as(enrolled)
    await joined(alice)
    await alice.send_json_to({"message": "y" * 2000})
    assert len((await next_frame(alice, "chat_message"))["message"]) == 2000


async def test_fast_sender_is_told_to_slow_down(connect_as, enrolled, course, settings):
    settings.CHAT_RATE_PER_SECOND = 0.001
    settings.CHAT_RATE_BURST = 3
    alice = await connect_as(enrolled)
    await joined(alice)

    for n in range(5):
        await alice.send_json_to({"message": f"spam {n}"})
    frames = [await alice.receive_json_from() for _ in range(5)]

    assert [f.get("message") for f in frames if "message" in f] == [
        "spam 0",
        "spam 1",
        "spam 2",
    ]
    assert [f["error"] for f in frames if "error" in f] == ["slow down", "slow down"]
    assert await stored_texts(course) == ["spam 0", "spam 1", "spam 2"]


async def test_sender_may_talk_again_once_the_bucket_refills(
    connect_as, enrolled, settings, monkeypatch
):
    settings.CHAT_RATE_PER_SECOND = 5
    settings.CHAT_RATE_BURST = 1
    now = [1000.0]
    monkeypatch.setattr("chat.ratelimit.clock", lambda: now[0])
    alice = await connect_as(enrolled)
    await joined(alice)

    await alice.send_json_to({"message": "one"})
    await next_frame(alice, "chat_message")
    await alice.send_json_to({"message": "two"})
    assert (await alice.receive_json_from())["error"] == "slow down"
    now[0] += 0.2  # one token at 5 per second
    await alice.send_json_to({"message": "three"})
    assert (await next_frame(alice, "chat_message"))["message"] == "three"


async def test_markup_is_sent_as_plain_text(connect_as, enrolled, course):
    alice = await connect_as(enrolled)
    await joined(alice)
    await alice.send_json_to({"message": "<script>alert('x')</script>"})
    frame = await next_frame(alice, "chat_message")
    assert frame["message"] == "<script>alert('x')</script>"
    assert await stored_texts(course) == ["<script>alert('x')</script>"]


async def test_presence_follows_members_coming_and_going(
    connect_as, enrolled, instructor
):
    alice = await connect_as(enrolled)
    assert [u["name"] for u in await joined(alice)] == ["student"]
    teacher = await connect_as(instructor)
    assert [u["name"] for u in await joined(teacher)] == ["instructor", "student"]
    arrival = await next_frame(alice, "presence")
    assert arrival["joined"] == {"id": instructor.pk, "name": "instructor"}

    await teacher.disconnect()
    departure = await next_frame(alice, "presence")
    assert departure["left"] == {"id": instructor.pk, "name": "instructor"}

    await alice.send_json_to({"type": "presence"})
    assert (await next_frame(alice, "presence"))["users"] == [
        {"id": enrolled.pk, "name": "student"}
    ]


async def test_member_with_two_tabs_stays_online_until_both_close(
    connect_as, enrolled, instructor
):
    teacher = await connect_as(instructor)
    await joined(teacher)
    first_tab = await connect_as(enrolled)
    await joined(first_tab)
    second_tab = await connect_as(enrolled)
    await joined(second_tab)
    await next_frame(teacher, "presence")
    await next_frame(teacher, "presence")

    await first_tab.disconnect()
    assert await teacher.receive_nothing()
    await second_tab.disconnect()
    assert (await next_frame(teacher, "presence"))["left"]["name"] == "student"


@sync_to_async
def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def site_socket(cookie, course):
    """A connected socket through the site's stack, as a browser with `cookie`
    opens it (its first frames not read yet)."""
    communicator = WebsocketCommunicator(
        websocket_application,
        f"/ws/chat/room/{course.pk}/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", cookie),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_site_socket_knows_the_member_from_the_session(enrolled, course):
    communicator = await site_socket(await session_cookie(enrolled), course)
    assert [u["name"] for u in await joined(communicator)] == ["student"]
    await communicator.disconnect()


async def test_socket_from_a_foreign_origin_is_refused(enrolled, course):
    communicator = WebsocketCommunicator(
        websocket_application,
        f"/ws/chat/room/{course.pk}/",
        headers=[
            (b"origin", b"http://evil.example"),
            (b"cookie", await session_cookie(enrolled)),
        ],
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_busy_room_refuses_messages_past_its_delivery_budget(
    connect_as, enrolled, instructor, course, settings, monkeypatch
):
    # Two connections: a budget of 4 deliveries a second is 2 messages a second.
    settings.CHAT_ROOM_DELIVERIES_PER_SECOND = 4
    now = [1_800_000_000.0]
    monkeypatch.setattr("chat.presence.wall_clock", lambda: now[0])
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)
    await next_frame(alice, "presence")

    for n in range(3):
        await alice.send_json_to({"message": f"busy {n}"})
    frames = [await alice.receive_json_from() for _ in range(3)]
    assert [f.get("message") for f in frames] == ["busy 0", "busy 1", None]
    assert frames[2] == {"error": "slow down"}
    assert await stored_texts(course) == ["busy 0", "busy 1"]

    now[0] += 1
    await alice.send_json_to({"message": "next second"})
    assert (await next_frame(alice, "chat_message"))["message"] == "next second"
