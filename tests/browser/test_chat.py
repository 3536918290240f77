# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Two people chat live in the browser; a third, not enrolled, is turned away."""

import contextlib

import pytest
from playwright.sync_api import expect

from tests.chat_support import live_database, make_members, servers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chat_database():
    """A database for the server process, with a room and its members."""
    with live_database() as database_url:
        yield database_url, make_members(database_url, clients=1)


def open_room(browser, server, room, member):
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": member["session"], "url": server}]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    response = page.goto(f"{server}/chat/room/{room}/")
    return context, page, response


def say(page, text):
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()


def test_student_and_instructor_chat_and_outsider_is_turned_away(
    browser, chat_database
):
    database_url, plan = chat_database
    room = plan["rooms"][0]
    student, teacher = plan["clients"][0], plan["teacher"]
    contexts = []
    # One server process (in-memory channel layer); stopped before the end.
    site = contextlib.ExitStack()
    server = site.enter_context(servers(database_url, count=1))[0]
    try:
        context, alice, response = open_room(browser, server, room, student)
        contexts.append(context)
        assert response.status == 200
        expect(alice.locator("#chat-status")).to_have_attribute("data-state", "online")

        context, tutor, _ = open_room(browser, server, room, teacher)
        contexts.append(context)
        expect(tutor.locator("#chat-status")).to_have_attribute("data-state", "online")
        expect(tutor.locator("#chat-online li")).to_have_text(
            sorted([student["username"], teacher["username"]])
        )
        expect(alice.locator("#chat-online li")).to_have_count(2)

        typed = "<script>window.pwned = true</script>Hello, teacher"
        say(alice, typed)
        heard = tutor.locator(".chat-message").last
        expect(heard.locator(".chat-text")).to_have_text(typed)
        expect(heard.locator(".chat-author")).to_have_text(student["username"])
        expect(heard).not_to_have_class("chat-message chat-message--own")
        mine = alice.locator(".chat-message").last
        expect(mine).to_have_class("chat-message chat-message--own")
        assert tutor.evaluate("window.pwned") is None

        say(tutor, "Hello, student")
        expect(alice.locator(".chat-message .chat-text").last).to_have_text(
            "Hello, student"
        )

        context, stranger, response = open_room(browser, server, room, plan["outsider"])
        contexts.append(context)
        assert response.status == 403
        close_code = stranger.evaluate(
            """(path) => new Promise((resolve) => {
                const socket = new WebSocket(`ws://${location.host}${path}`);
                socket.onclose = (event) => resolve(event.code);
            })""",
            f"/ws/chat/room/{room}/",
        )
        assert close_code == 4403

        # The teacher leaves: the student's list of who is online follows.
        contexts[1].close()
        expect(alice.locator("#chat-online li")).to_have_text([student["username"]])

        # The server goes away: the page says so and keeps trying to reconnect.
        site.close()
        status = alice.locator("#chat-status")
        expect(status).to_have_attribute("data-state", "offline")
        expect(status).to_contain_text("reconnecting")
    finally:
        for context in contexts:
            context.close()
        site.close()
