"""One sender's bad input costs that sender an error frame, and nobody anything."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from chat import store
from chat.models import ChatMessage
from chat.tests.test_consumers import joined, next_frame, stored_texts

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NUL = json.dumps({"message": "before\x00after"})
SURROGATE = '{"message": "\\ud800 alone"}'
DEEP = "[" * 100000
NESTED = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (NUL, "message must not contain NUL"),
        (SURROGATE, "message must be valid Unicode"),
        (DEEP, "frame is too large"),
        (NESTED, "invalid JSON"),
        ('{"type": "history", "after": 1' + "0" * 30 + "}", "before and after"),
        ('{"message": ' + "1" * 5000 + "}", "invalid JSON"),
    ],
    ids=["nul", "surrogate", "deep", "nested", "huge-id", "huge-number"],
)
async def test_bad_frame_gets_an_error_and_the_socket_stays_open(
    connect_as, enrolled, instructor, course, frame, error
):
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)
    await next_frame(alice, "presence")

    await alice.send_to(text_data=frame)

    assert (await alice.receive_json_from())["error"].startswith(error)
    assert await teacher.receive_nothing()
    assert await stored_texts(course) == []
    await alice.send_json_to({"message": "still here"})
    assert (await next_frame(teacher, "chat_message"))["message"] == "still here"


async def test_bad_message_beside_good_ones_costs_only_its_sender(
    connect_as, enrolled, instructor, course
):
    alice = await connect_as(enrolled)
    await joined(alice)
    teacher = await connect_as(instructor)
    await joined(teacher)
    await next_frame(alice, "presence")

    # Sent together, so they may meet in one batch.
    await asyncio.gather(
        alice.send_to(text_data=SURROGATE),
        teacher.send_json_to({"message": "valid one"}),
        alice.send_to(text_data=NUL),
    )

    frames = [await alice.receive_json_from() for _ in range(3)]
    errors = [f["error"] for f in frames if "error" in f]
    assert len(errors) == 2
    assert [f["message"] for f in frames if "message" in f] == ["valid one"]
    assert (await next_frame(teacher, "chat_message"))["message"] == "valid one"
    assert await stored_texts(course) == ["valid one"]


async def test_failed_batch_stores_every_row_but_the_bad_one(enrolled, course):
    """The writer itself: a row the database refuses fails alone."""
    writer = store.MessageWriter()
    results = await asyncio.gather(
        writer.save(course.pk, enrolled, "first"),
        writer.save(course.pk, enrolled, "\ud800 refused"),
        writer.save(course.pk, enrolled, "third"),
        return_exceptions=True,
    )
    assert isinstance(results[1], Exception)
    assert [json.loads(r)["message"] for r in (results[0], results[2])] == [
        "first",
        "third",
    ]
    texts = await sync_to_async(list)(
        ChatMessage.objects.order_by("id").values_list("text", flat=True)
    )
    assert texts == ["first", "third"]
