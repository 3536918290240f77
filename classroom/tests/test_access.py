"""The README's access table, role by role, against everything behind it.

Rows: anonymous, student not enrolled, enrolled student, course owner, another
instructor, superuser. Columns: course page, module page, a document and a video used
in the module, the "open course" view, "mark as done" and the student's course list.
"""

import pytest
from django.urls import reverse

from classroom.access import can_view_contents, viewable_course_ids, viewable_courses
from classroom.models import Enrollment, ModuleCompletion
from classroom.tests.conftest import VIDEO_BYTES, client_for

ROLES = [
    "anonymous",
    "not_enrolled",
    "enrolled",
    "owner",
    "other_instructor",
    "superuser",
]
ALLOWED = {"enrolled", "owner", "superuser"}


def media_url(media):
    return reverse("protected_media", args=[media.pk, media.filename])


def assert_sent_to_login(response, url):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]
    assert url.split("?")[0].rstrip("/").split("/")[-1] in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_can_view_contents_follows_the_table(role, roles, course):
    assert can_view_contents(roles[role], course) is (role in ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_course_page_is_open_to_everyone(role, roles, course, client):
    response = client_for(client, roles[role]).get(course.url)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_module_page(role, roles, course, module_with_files, client):
    response = client_for(client, roles[role]).get(module_with_files.url)
    if role in ALLOWED:
        assert response.status_code == 200
        assert b"Solve for x." in response.content
    elif role == "anonymous":
        assert_sent_to_login(response, module_with_files.url)
    else:
        assert response.status_code == 302
        assert response["Location"] == course.url


@pytest.mark.parametrize("role", ROLES)
def test_module_document(role, roles, module_with_files, document, client):
    response = client_for(client, roles[role]).get(document.url)
    if role in ALLOWED:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"Notes of the first lecture.\n"
    elif role == "anonymous":
        assert_sent_to_login(response, document.url)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_module_video(role, roles, module_with_files, media, client):
    url = media_url(media)
    response = client_for(client, roles[role]).get(url)
    if role in ALLOWED:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == VIDEO_BYTES
        assert "private" in response["Cache-Control"]
    elif role == "anonymous":
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_open_course_view(role, roles, course, client):
    url = reverse("student_course_detail", args=[course.pk])
    response = client_for(client, roles[role]).get(url)
    assert response.status_code == 302
    first_module = course.modules().first()
    if role in ALLOWED:
        assert response["Location"] == first_module.url
    elif role == "anonymous":
        assert_sent_to_login(response, url)
    else:
        assert response["Location"] == course.url


@pytest.mark.parametrize("role", ROLES)
def test_mark_done_view(role, roles, course, client):
    module = course.modules().first()
    response = client_for(client, roles[role]).post(
        reverse("student_module_done"), {"module_id": module.pk, "done": "true"}
    )
    assert response.status_code == 302
    if role == "enrolled":
        # Only enrolled students have progress; owners and superusers only read.
        # Done: on to the next module.
        assert response["Location"] == course.modules()[1].url
        assert ModuleCompletion.objects.filter(module=module).count() == 1
    else:
        assert not ModuleCompletion.objects.exists()
        if role == "anonymous":
            assert_sent_to_login(response, reverse("student_module_done"))
        else:
            assert response["Location"] == course.url


@pytest.mark.parametrize("role", ROLES)
def test_course_list_needs_login(role, roles, client):
    url = reverse("student_course_list")
    response = client_for(client, roles[role]).get(url)
    if role == "anonymous":
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == 200


def test_copied_file_urls_do_not_work_for_an_outsider(
    client, enrolled, outsider, module_with_files, document, media
):
    client.force_login(enrolled)
    page = client.get(module_with_files.url).content.decode()
    # The URLs an enrolled student sees in the page (not MEDIA_URL) ...
    assert document.url in page
    assert media_url(media) in page
    assert "/media/media/" not in page and "/media/documents/" not in page
    client.logout()
    # ... give an anonymous visitor the login page and another student a 403.
    assert client.get(document.url).status_code == 302
    assert client.get(media_url(media)).status_code == 302
    client.force_login(outsider)
    assert client.get(document.url).status_code == 403
    assert client.get(media_url(media)).status_code == 403


def test_module_files_are_not_served_from_media_url(
    client, enrolled, module_with_files, document, media
):
    client.force_login(enrolled)
    assert client.get(media.file.url).status_code == 404
    assert client.get(document.file.url).status_code == 404


def test_outsider_is_sent_to_course_page_with_a_message_and_enroll_button(
    client, outsider, course
):
    client.force_login(outsider)
    response = client.get(course.modules().first().url, follow=True)
    assert response.redirect_chain == [(course.url, 302)]
    page = response.content.decode()
    assert "Enroll in this course to open its modules." in page
    assert ">Enroll</button>" in page


def test_anonymous_visitor_comes_back_to_the_module_after_login(
    client, student, course
):
    module = course.modules().first()
    Enrollment.objects.create(student=student, course=course)
    login_url = client.get(module.url)["Location"]
    response = client.post(
        login_url, {"username": "student", "password": "pass-word-123"}
    )
    assert response["Location"] == module.url


# --- An unpublished course ----------------------------------------------------------
#
# Unpublishing a course in the admin (subpages not ticked) leaves its modules live:
# the rule refuses their contents to everyone but those who may edit the course.

EDITORS = {"owner", "superuser"}


def unpublish_course_only(course):
    """As the admin's default unpublish does: the course, not its modules."""
    course.unpublish()
    course.refresh_from_db()
    assert not course.live
    assert course.get_children().live().exists()


@pytest.mark.parametrize("role", ROLES)
def test_contents_of_an_unpublished_course_are_for_its_editors_only(
    role, roles, course
):
    user = roles[role]
    assert can_view_contents(user, course) is (role in ALLOWED)  # cached now

    unpublish_course_only(course)

    assert can_view_contents(user, course) is (role in EDITORS)
    expected = {course.pk} if role in EDITORS else set()
    assert viewable_course_ids(user, [course]) == expected
    viewable = viewable_courses(user)
    assert (
        (viewable is None)
        if role == "superuser"
        else (set(viewable.values_list("pk", flat=True)) == expected)
    )


@pytest.mark.parametrize("role", ROLES)
def test_module_of_an_unpublished_course_is_served_to_its_editors_only(
    role, roles, course, module_with_files, client
):
    url = module_with_files.url
    unpublish_course_only(course)

    response = client_for(client, roles[role]).get(url)

    if role in EDITORS:
        assert response.status_code == 200
        assert b"Solve for x." in response.content
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ["enrolled", "owner"])
def test_files_of_an_unpublished_course_are_for_its_editors_only(
    role, roles, course, module_with_files, document, media, client
):
    unpublish_course_only(course)
    client = client_for(client, roles[role])

    expected = 200 if role in EDITORS else 403
    assert client.get(document.url).status_code == expected
    assert client.get(media_url(media)).status_code == expected
