"""The chat room page: who may open it and what it shows."""

import pytest
from django.urls import reverse

from chat.models import ChatMessage


def room_url(course):
    return reverse("chat:course_chat_room", args=[course.pk])


def test_visitor_is_sent_to_login(client, course):
    response = client.get(room_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_student_not_enrolled_is_refused(client, course, outsider):
    client.force_login(outsider)
    assert client.get(room_url(course)).status_code == 403


def test_unknown_course_is_not_found(client, course, enrolled):
    client.force_login(enrolled)
    assert client.get(reverse("chat:course_chat_room", args=[99999])).status_code == 404


@pytest.mark.parametrize("who", ["enrolled", "instructor"])
def test_members_see_the_room(client, course, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.get(room_url(course))
    assert response.status_code == 200
    assert response.context["chat_config"]["socketPath"] == (
        f"/ws/chat/room/{course.pk}/"
    )


def test_room_shows_the_last_fifty_messages_own_ones_marked(
    client, course, enrolled, instructor
):
    ChatMessage.objects.bulk_create(
        ChatMessage(course=course, author=author, text=f"message {n}")
        for n, author in enumerate([enrolled, instructor] * 30)
    )
    client.force_login(enrolled)
    response = client.get(room_url(course))

    shown = response.context["chat_messages"]
    assert [m.text for m in shown] == [f"message {n}" for n in range(10, 60)]
    assert response.context["has_more"] is True
    html = response.content.decode()
    assert html.count('class="chat-message chat-message--own"') == 25
    assert html.count('class="chat-message"') == 25
    assert "message 9<" not in html


def test_message_markup_is_shown_as_text(client, course, enrolled):
    ChatMessage.objects.create(course=course, author=enrolled, text="<b>bold</b>")
    client.force_login(enrolled)
    html = client.get(room_url(course)).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


@pytest.mark.parametrize("count", [5, 80])
def test_room_page_queries_do_not_grow_with_messages(
    client, course, enrolled, instructor, count, django_assert_max_num_queries
):
    ChatMessage.objects.bulk_create(
        ChatMessage(course=course, author=author, text="hi")
        for author in [enrolled, instructor] * (count // 2)
    )
    client.force_login(enrolled)
    with django_assert_max_num_queries(12):
        assert client.get(room_url(course)).status_code == 200
