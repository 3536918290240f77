"""Any text frame gets an answer, keeps its sender's socket open and costs nobody
else a message (Hypothesis over the socket)."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chat.models import ChatMessage
from chat.tests.test_consumers import joined, next_frame

# Text with lone surrogates too: sent as JSON escapes ("\ud800"), as a browser may.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=50)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)
MESSAGE_VALUES = (
    JSON_VALUES
    | st.integers(0, 30000).map(lambda n: "x" * n)
    | st.sampled_from(["hello", " padded ", "a\x00b", "\ud800", "\udfff x", ""])
)
FRAMES = st.one_of(
    st.text(min_size=1, max_size=200),  # the test client sends no empty frame
    JSON_VALUES.map(lambda value: json.dumps(value)),
    st.fixed_dictionaries(
        {"message": MESSAGE_VALUES},
        optional={"type": st.sampled_from(["chat_message", "history", "presence"])},
    ).map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.just("history")},
        optional={"before": JSON_VALUES, "after": JSON_VALUES},
    ).map(json.dumps),
    st.integers(1, 200000).map(lambda n: "[" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
)


def is_reply(frame, name):
    return (
        "error" in frame
        or frame.get("type") in {"history", "presence"}
        or (frame.get("type") == "chat_message" and frame["user"] == name)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_any_frame_gets_an_answer_and_costs_nobody_a_message(
    connect_as, enrolled, instructor, course, settings
):
    settings.CHAT_RATE_PER_SECOND = 1_000_000
    settings.CHAT_RATE_BURST = 1_000_000
    settings.CHAT_ROOM_DELIVERIES_PER_SECOND = 0
    runner = asyncio.Runner()
    sockets = {}

    async def open_sockets():
        sockets["alice"] = await connect_as(enrolled)
        await joined(sockets["alice"])
        sockets["teacher"] = await connect_as(instructor)
        await joined(sockets["teacher"])
        await next_frame(sockets["alice"], "presence")

    async def one(frame, n):
        alice, teacher = sockets["alice"], sockets["teacher"]
        valid = f"teacher says {n}"
        # Together, so the teacher's message may share a batch with Alice's.
        await asyncio.gather(
            alice.send_to(text_data=frame), teacher.send_json_to({"message": valid})
        )
        replies, heard = [], []
        while not (replies and valid in heard):
            got = await alice.receive_json_from(timeout=5)
            if got.get("message") == valid:
                heard.append(valid)
            elif got.get("user") == "instructor":
                continue  # left over from an example Hypothesis cut short
            else:
                assert is_reply(got, "student"), got
                replies.append(got)
        assert len(replies) == 1
        # The teacher hears their own message, and Alice's if it was accepted.
        expected = {valid}
        if replies[0].get("type") == "chat_message":
            expected.add(replies[0]["message"])
        teacher_heard = set()
        while not expected <= teacher_heard:
            got = await teacher.receive_json_from(timeout=5)
            assert got.get("type") == "chat_message", got
            teacher_heard.add(got["message"])
        stored = await sync_to_async(ChatMessage.objects.filter(text=valid).exists)()
        assert stored

    counter = iter(range(10**9))

    @hypothesis_settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(frame=FRAMES)
    def check(frame):
        runner.run(one(frame, next(counter)))

    try:
        runner.run(open_sockets())
        check()
        # Still open after everything: a plain message goes through.
        runner.run(one('{"message": "the end"}', "final"))
    finally:
        runner.close()
