"""A course's team in every door of the one access rule (README, "Who sees what").

Rows: the course's owner, a team instructor, a team assistant, an assistant of
another course, an enrolled student and a student who is not enrolled. Columns:
the module page, its protected document and video, the REST API's contents, the
Wagtail API v2 body, search snippets of module text, the chat socket, the Students
screen, Wagtail's page editor and the grading queue.
"""

import pytest
from django.urls import reverse

from classroom.models import CourseMember, Enrollment
from classroom.team import grant_admin_access
from classroom.tests.conftest import module_body
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory

pytestmark = pytest.mark.django_db

WORD = "zanzibarword"
ROLES = ["owner", "instructor", "assistant", "elsewhere", "enrolled", "outsider"]
STAFF = {"owner", "instructor", "assistant"}
READERS = STAFF | {"enrolled"}


@pytest.fixture
def team(course, instructor, enrolled, outsider, other_instructor):
    """role name -> user, for each row."""

    def member(username, role, of):
        user = UserFactory(username=username)
        CourseMember.objects.create(course=of, user=user, role=role)
        grant_admin_access(user)
        return user

    geometry = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    return {
        "owner": instructor,
        "instructor": member("co-instructor", CourseMember.INSTRUCTOR, course),
        "assistant": member("assistant", CourseMember.ASSISTANT, course),
        "elsewhere": member("elsewhere", CourseMember.ASSISTANT, geometry),
        "enrolled": enrolled,
        "outsider": outsider,
    }


@pytest.fixture
def module(course, document, media):
    return ModulePageFactory(
        parent=course,
        title="Files",
        body=module_body(
            document=document, media=media, text=f"Every {WORD} is explained."
        ),
    )


def as_user(client, team, role):
    client.force_login(team[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_module_page(client, team, course, module, role):
    response = as_user(client, team, role).get(module.url)
    if role in READERS:
        assert response.status_code == 200
        assert WORD in response.content.decode()
    else:
        assert response.status_code == 302 and response.url == course.url


@pytest.mark.parametrize("role", ROLES)
def test_protected_document_and_video(client, team, module, document, media, role):
    as_user(client, team, role)
    video = reverse("protected_media", args=[media.pk, media.filename])
    expected = 200 if role in READERS else 403
    assert client.get(document.url).status_code == expected
    assert client.get(video).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_rest_api_contents(client, team, course, module, role):
    response = as_user(client, team, role).get(f"/api/courses/{course.pk}/contents/")
    assert response.status_code == (200 if role in READERS else 403)
    assert (WORD in response.content.decode()) == (role in READERS)


@pytest.mark.parametrize("role", ROLES)
def test_wagtail_api_v2_body(client, team, module, role):
    response = as_user(client, team, role).get(f"/api/v2/pages/{module.pk}/")
    assert response.status_code == 200
    body = response.json()["body"]
    if role in READERS:
        assert WORD in str(body)
    else:
        assert body is None
        assert WORD not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_search_snippets_of_module_text(client, team, module, role):
    response = as_user(client, team, role).get("/search/", {"q": WORD})
    assert response.status_code == 200
    html = response.content.decode()
    assert (f"<mark>{WORD}</mark>" in html) == (role in READERS)


@pytest.mark.parametrize("role", ROLES)
def test_students_screen(client, team, role):
    response = as_user(client, team, role).get("/admin/students/")
    if role in STAFF:
        assert response.status_code == 200
        assert "student" in response.context["object_list"][0].student.username
        assert [e.student for e in response.context["object_list"]] == [
            team["enrolled"]
        ]
    elif role == "elsewhere":
        # In the admin, but this course's students are not theirs to see.
        assert response.status_code == 200
        assert list(response.context["object_list"]) == []
    else:
        assert response.status_code == 302  # no admin: to its login
        assert "/admin/login/" in response.url


@pytest.mark.parametrize("role", ROLES)
def test_wagtail_page_edit(client, team, course, module, role):
    as_user(client, team, role)
    for page in (course, module):
        response = client.get(f"/admin/pages/{page.pk}/edit/")
        if role in ("owner", "instructor"):
            assert response.status_code == 200
        elif role in ("assistant", "elsewhere"):
            assert response.status_code == 403
        else:
            assert response.status_code == 302 and "/admin/login/" in response.url


@pytest.mark.parametrize("role", ROLES)
def test_grading_queue(client, team, course, role):
    response = as_user(client, team, role).get(f"/admin/grades/{course.pk}/")
    if role in STAFF:
        assert response.status_code == 200
    elif role == "elsewhere":
        assert response.status_code == 403
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/admin/login/" in response.url


def test_team_instructor_publishes_and_adds_modules_assistant_cannot(team, course):
    instructor = type(team["instructor"]).objects.get(pk=team["instructor"].pk)
    assistant = type(team["assistant"]).objects.get(pk=team["assistant"].pk)
    module = course.modules().first()
    for page in (course, module):
        allowed = page.permissions_for_user(instructor)
        assert allowed.can_edit() and allowed.can_publish() and allowed.can_unpublish()
        refused = page.permissions_for_user(assistant)
        assert not refused.can_edit() and not refused.can_publish()
    assert course.permissions_for_user(instructor).can_add_subpage()
    assert not course.permissions_for_user(assistant).can_add_subpage()
    # The course stays its owner's to delete or move; its modules are edited.
    assert not course.permissions_for_user(instructor).can_delete()
    assert module.permissions_for_user(instructor).can_delete()


def test_wagtails_page_policy_reads_the_team(team, course):
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    policy = policy_registry.get_by_type(Page)
    instructor = type(team["instructor"]).objects.get(pk=team["instructor"].pk)
    assistant = type(team["assistant"]).objects.get(pk=team["assistant"].pk)
    editable = set(
        policy.instances_user_has_permission_for(instructor, "change").values_list(
            "pk", flat=True
        )
    )
    assert editable == {course.pk, *course.get_children().values_list("pk", flat=True)}
    assert not policy.instances_user_has_permission_for(assistant, "change").exists()
    editors = policy.users_with_permission_for_instance("change", course)
    assert instructor in editors and assistant not in editors


def test_enrollment_is_not_needed_by_the_team(team, course):
    staff = [team[role] for role in ("instructor", "assistant")]
    assert not Enrollment.objects.filter(student__in=staff).exists()
