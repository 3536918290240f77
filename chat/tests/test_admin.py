"""Moderation in the Wagtail admin: instructors their own rooms, superusers all."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from chat.models import ChatMessage
from demo.factories import CoursePageFactory, UserFactory


@pytest.fixture
def other_course(course):
    other = UserFactory(username="other-teacher")
    other.groups.add(Group.objects.get(name="Instructors"))
    return CoursePageFactory(
        parent=course.get_parent(), title="Geometry", slug="geometry", owner=other
    )


@pytest.fixture
def messages(course, other_course, enrolled):
    return {
        "mine": ChatMessage.objects.create(course=course, author=enrolled, text="mine"),
        "theirs": ChatMessage.objects.create(
            course=other_course, author=enrolled, text="theirs"
        ),
    }


def listed(client):
    response = client.get(reverse("chat_messages:index"))
    assert response.status_code == 200
    return {message.text for message in response.context["object_list"]}


def test_instructor_lists_only_own_courses_messages(client, instructor, messages):
    client.force_login(instructor)
    assert listed(client) == {"mine"}


def test_superuser_lists_every_room(client, messages):
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert listed(client) == {"mine", "theirs"}


def test_instructor_reads_and_deletes_own_room_message(client, instructor, messages):
    client.force_login(instructor)
    mine = messages["mine"]
    inspect = client.get(reverse("chat_messages:inspect", args=[mine.pk]))
    assert inspect.status_code == 200
    assert "mine" in inspect.content.decode()

    response = client.post(reverse("chat_messages:delete", args=[mine.pk]))
    assert response.status_code == 302
    assert not ChatMessage.objects.filter(pk=mine.pk).exists()


def test_instructor_cannot_touch_another_courses_messages(client, instructor, messages):
    client.force_login(instructor)
    theirs = messages["theirs"]
    for name in ("inspect", "delete"):
        url = reverse(f"chat_messages:{name}", args=[theirs.pk])
        assert client.get(url).status_code == 404
    delete = reverse("chat_messages:delete", args=[theirs.pk])
    assert client.post(delete).status_code == 404
    assert ChatMessage.objects.filter(pk=theirs.pk).exists()


def test_student_has_no_admin_access(client, enrolled, messages):
    client.force_login(enrolled)
    response = client.get(reverse("chat_messages:index"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_message_is_not_a_use_of_its_course(course, enrolled):
    """Wagtail's reference index lists what uses a page (the admin's "Usage"):
    chat messages are not content, and indexing each would cost every message."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    reverse("wagtailadmin_home")  # the admin's viewsets register their models
    ChatMessage.objects.create(course=course, author=enrolled, text="hello")

    kind = ContentType.objects.get_for_model(ChatMessage)
    assert not ReferenceIndex.objects.filter(content_type=kind).exists()
