"""The "Team" screen of a course in the Wagtail admin (classroom.admin_team)."""

import pytest
from django.contrib.auth.models import Group

from classroom.models import CourseMember
from classroom.team import TEAM_GROUP
from demo.factories import UserFactory

pytestmark = pytest.mark.django_db


def team_url(course):
    return f"/admin/teams/{course.pk}/"


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer", email="newcomer@example.com")


@pytest.fixture
def owner_client(client, instructor):
    client.force_login(instructor)
    return client


def add(client, course, user, role="assistant"):
    return client.post(team_url(course), {"user": user, "role": role})


def in_team_group(user):
    return user.groups.filter(name=TEAM_GROUP).exists()


def test_the_owner_adds_a_member_by_username(owner_client, course, newcomer):
    response = add(owner_client, course, "newcomer")
    assert response.status_code == 302 and response.url == team_url(course)
    member = CourseMember.objects.get(course=course, user=newcomer)
    assert member.role == "assistant"
    assert in_team_group(newcomer)
    page = owner_client.get(team_url(course)).content.decode()
    assert "newcomer" in page and "joined the team as assistant" in page


def test_the_owner_adds_a_member_by_email(owner_client, course, newcomer):
    response = add(owner_client, course, "NewComer@Example.com", "instructor")
    assert response.status_code == 302
    assert CourseMember.objects.get(user=newcomer).role == "instructor"


def test_an_unknown_user_is_a_form_error(owner_client, course):
    response = add(owner_client, course, "nobody-here")
    assert response.status_code == 400
    assert response.context["form"].errors["user"] == [
        "No user has that username or email."
    ]
    assert not CourseMember.objects.exists()


def test_an_email_that_two_users_share_asks_for_the_username(owner_client, course):
    UserFactory(username="twin1", email="twins@example.com")
    UserFactory(username="twin2", email="twins@example.com")
    response = add(owner_client, course, "twins@example.com")
    assert response.status_code == 400
    assert "give the username" in response.context["form"].errors["user"][0]


def test_a_member_twice_is_a_form_error(owner_client, course, newcomer):
    add(owner_client, course, "newcomer")
    response = add(owner_client, course, "newcomer@example.com", "instructor")
    assert response.status_code == 400
    assert "on the team already" in response.context["form"].errors["user"][0]
    assert CourseMember.objects.get(user=newcomer).role == "assistant"


def test_the_owner_is_not_added_to_their_own_team(owner_client, course):
    response = add(owner_client, course, "instructor")
    assert response.status_code == 400
    assert "owns this course" in response.context["form"].errors["user"][0]


def test_a_deactivated_account_is_a_form_error(owner_client, course):
    UserFactory(username="gone", is_active=False)
    response = add(owner_client, course, "gone")
    assert response.status_code == 400
    assert not CourseMember.objects.exists()


def test_the_owner_changes_a_role(owner_client, course, newcomer):
    add(owner_client, course, "newcomer")
    member = CourseMember.objects.get(user=newcomer)
    url = f"{team_url(course)}{member.pk}/role/"
    assert (
        owner_client.post(url, {f"{member.pk}-role": "instructor"}).status_code == 302
    )
    member.refresh_from_db()
    assert member.role == "instructor"
    owner_client.post(url, {f"{member.pk}-role": "owner"})  # not a member's role
    member.refresh_from_db()
    assert member.role == "instructor"


def test_removing_takes_access_away_at_once(client, course, instructor, newcomer):
    module = course.modules().first()
    client.force_login(instructor)
    add(client, course, "newcomer")
    member = CourseMember.objects.get(user=newcomer)

    client.force_login(newcomer)
    assert client.get(module.url).status_code == 200  # and cached
    assert client.get("/admin/students/").status_code == 200
    assert client.get(f"/admin/grades/{course.pk}/").status_code == 200

    client.force_login(instructor)
    remove = f"{team_url(course)}{member.pk}/remove/"
    assert client.get(remove).status_code == 200  # asks first
    assert client.post(remove).status_code == 302
    assert not CourseMember.objects.filter(user=newcomer).exists()
    assert not in_team_group(newcomer)

    client.force_login(newcomer)
    response = client.get(module.url)
    assert response.status_code == 302 and response.url == course.url
    assert "/admin/login/" in client.get("/admin/students/").url
    assert client.get(f"/api/courses/{course.pk}/contents/").status_code == 403


def test_removing_keeps_the_group_while_on_another_team(
    client, course, instructor, newcomer
):
    from demo.factories import CoursePageFactory

    other = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=instructor
    )
    client.force_login(instructor)
    add(client, course, "newcomer")
    add(client, other, "newcomer")
    member = CourseMember.objects.get(user=newcomer, course=course)
    client.post(f"{team_url(course)}{member.pk}/remove/")
    assert in_team_group(newcomer)
    assert list(CourseMember.objects.filter(user=newcomer)) == [
        CourseMember.objects.get(course=other)
    ]


@pytest.fixture
def staff(course, newcomer):
    """A team instructor and a team assistant of `course` (admin users)."""
    group, _ = Group.objects.get_or_create(name=TEAM_GROUP)
    from classroom.team import grant_admin_access

    co = UserFactory(username="co-instructor")
    for user, role in ((co, "instructor"), (newcomer, "assistant")):
        CourseMember.objects.create(course=course, user=user, role=role)
        grant_admin_access(user)
    return {"instructor": co, "assistant": newcomer}


@pytest.mark.parametrize("role", ["instructor", "assistant"])
def test_other_staff_see_the_team_but_do_not_change_it(client, course, staff, role):
    client.force_login(staff[role])
    response = client.get(team_url(course))
    assert response.status_code == 200
    html = response.content.decode()
    assert "co-instructor" in html and "newcomer" in html and "instructor" in html
    assert response.context["form"] is None
    assert "Add to the team" not in html

    member = CourseMember.objects.get(user=staff["assistant"])
    UserFactory(username="someone")
    assert add(client, course, "someone").status_code == 403
    role_url = f"{team_url(course)}{member.pk}/role/"
    assert client.post(role_url, {f"{member.pk}-role": "instructor"}).status_code == 403
    remove = f"{team_url(course)}{member.pk}/remove/"
    assert client.get(remove).status_code == 403
    assert client.post(remove).status_code == 403
    member.refresh_from_db()
    assert member.role == "assistant"
    assert CourseMember.objects.count() == 2


@pytest.mark.parametrize("who", ["other_instructor", "outsider", "enrolled"])
def test_others_may_not_see_the_team(client, course, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(team_url(course))
    if who == "other_instructor":
        assert response.status_code == 403
    else:  # no admin access at all: Wagtail's login
        assert response.status_code == 302 and "/admin/login/" in response.url
    assert not CourseMember.objects.exists()


def test_a_superuser_manages_every_team(client, course, superuser, newcomer):
    client.force_login(superuser)
    assert client.get(team_url(course)).context["manages"]
    assert add(client, course, "newcomer", "instructor").status_code == 302
    assert CourseMember.objects.get(user=newcomer).added_by == superuser


def test_a_member_of_another_courses_team_gets_403(client, course, other_instructor):
    from classroom.team import grant_admin_access
    from demo.factories import CoursePageFactory

    other = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    helper = UserFactory(username="helper")
    CourseMember.objects.create(course=other, user=helper, role="assistant")
    grant_admin_access(helper)
    client.force_login(helper)
    assert client.get(team_url(course)).status_code == 403
    assert client.get(team_url(other)).status_code == 200


def test_a_member_of_another_course_cannot_be_changed_here(
    owner_client, course, other_instructor
):
    from demo.factories import CoursePageFactory

    other = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    member = CourseMember.objects.create(
        course=other, user=UserFactory(username="helper"), role="assistant"
    )
    remove = f"{team_url(course)}{member.pk}/remove/"
    assert owner_client.post(remove).status_code == 404
    assert CourseMember.objects.filter(pk=member.pk).exists()


def test_the_teams_index_lists_the_users_courses(owner_client, course, staff):
    response = owner_client.get("/admin/teams/")
    assert response.status_code == 200
    [listed] = list(response.context["courses"])
    assert listed == course
    assert (listed.instructors, listed.assistants) == (1, 1)


def test_the_teams_index_is_refused_to_a_user_of_no_course(client, other_instructor):
    client.force_login(other_instructor)
    assert client.get("/admin/teams/").status_code == 403


def test_the_course_page_links_to_its_team(owner_client, course, staff):
    edit = owner_client.get(f"/admin/pages/{course.pk}/edit/").content.decode()
    assert team_url(course) in edit
    listing = owner_client.get(f"/admin/pages/{course.get_parent().pk}/")
    assert team_url(course) in listing.content.decode()
    module = course.modules().first()
    module_edit = owner_client.get(f"/admin/pages/{module.pk}/edit/")
    assert team_url(course) not in module_edit.content.decode()
