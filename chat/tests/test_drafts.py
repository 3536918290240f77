"""A draft of a course changes nobody's access: its room is not re-checked."""

import pytest

from chat import relay

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    notices = []
    monkeypatch.setattr(
        relay, "push_recheck", lambda **targets: notices.append(targets)
    )
    return notices


def test_a_draft_of_the_course_rechecks_no_socket(
    course, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        course.title = "Algebra, drafted"
        course.save_revision()

    assert pushed == []


def test_publishing_the_course_rechecks_its_room(
    course, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        course.title = "Algebra, published"
        course.save_revision().publish()

    assert {"rooms": [f"chat_{course.pk}"]} in pushed
