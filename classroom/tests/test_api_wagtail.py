"""Wagtail API v2 under /api/v2/: the published tree, module bodies behind the rule."""

import pytest
import wagtail_factories
from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText
from wagtailmedia.models import Media

from classroom.models import Enrollment
from classroom.tests.auth import basic
from demo.factories import CoursePageFactory, ModulePageFactory

SECRET = "<p>The answer is xylophone-secret.</p>"


@pytest.fixture
def module(course):
    module = course.modules().first()
    module.body = [("text", RichText(SECRET))]
    module.save_revision().publish()
    return module


def listed_titles(api, **params):
    response = api.get("/api/v2/pages/", {"limit": 20, **params})
    assert response.status_code == 200
    return {item["title"] for item in response.json()["items"]}


def test_pages_show_the_published_tree(api, course):
    assert {"Mathematics", "Algebra", "Equations", "Inequalities"} <= listed_titles(api)


def test_drafts_and_private_pages_never_appear(api, course):
    subject = course.get_parent()
    draft = CoursePageFactory(parent=subject, title="Draft course", live=False)
    private = CoursePageFactory(parent=subject, title="Private course")
    hidden_module = ModulePageFactory(parent=private, title="Module of private")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    draft_module = ModulePageFactory(parent=course, title="Draft module", live=False)

    titles = listed_titles(api) | listed_titles(api, type="learning.ModulePage")

    assert titles.isdisjoint(
        {"Draft course", "Private course", "Module of private", "Draft module"}
    )
    for page in (draft, private, hidden_module, draft_module):
        response = api.get(f"/api/v2/pages/{page.pk}/")
        assert response.status_code == 404
        assert response.json()["message"]


def test_course_fields_are_exposed(api, course, instructor):
    response = api.get(f"/api/v2/pages/{course.pk}/")

    assert response.status_code == 200
    data = response.json()
    assert data["meta"]["type"] == "learning.CoursePage"
    assert data["overview"] == "<p>What this course teaches.</p>"
    assert data["owner_id"] == instructor.pk
    assert data["created"]


@pytest.mark.parametrize(
    ("who", "sees_body"),
    [
        ("anonymous", False),
        ("student", False),
        ("enrolled student", True),
        ("instructor", True),  # the owner
        ("instructor2", False),
    ],
)
def test_module_body_only_for_those_who_may_see_it(
    api, module, course, student, who, sees_body
):
    from demo.factories import UserFactory

    UserFactory(username="instructor2")
    if who == "enrolled student":
        Enrollment.objects.create(student=student, course=course)
        who = "student"
    headers = {} if who == "anonymous" else basic(who)

    detail = api.get(f"/api/v2/pages/{module.pk}/", **headers).json()
    listing = api.get(
        "/api/v2/pages/",
        {"type": "learning.ModulePage", "fields": "body,description"},
        **headers,
    ).json()

    assert detail["description"] == "What this module covers."
    bodies = {item["id"]: item["body"] for item in listing["items"]}
    if sees_body:
        assert detail["body"][0]["type"] == "text"
        assert detail["body"][0]["value"] == SECRET
        assert bodies[module.pk][0]["value"] == SECRET
    else:
        assert detail["body"] is None
        assert bodies[module.pk] is None
        assert "xylophone-secret" not in str(listing) + str(detail)


def test_images_documents_and_media_endpoints(api, db):
    image = wagtail_factories.ImageFactory(title="Cover")
    document = wagtail_factories.DocumentFactory(title="Notes")
    media = Media.objects.create(
        title="Lecture", file="media/lecture.mp4", type="video", duration=60
    )

    for endpoint, item in (
        ("images", image),
        ("documents", document),
        ("media", media),
    ):
        response = api.get(f"/api/v2/{endpoint}/")
        assert response.status_code == 200, endpoint
        assert [i["id"] for i in response.json()["items"]] == [item.pk]
        assert api.get(f"/api/v2/{endpoint}/{item.pk}/").json()["title"] == item.title


def test_media_files_are_linked_through_the_protected_view(api, db):
    media = Media.objects.create(
        title="Lecture", file="media/lecture.mp4", type="video", duration=60
    )

    item = api.get(f"/api/v2/media/{media.pk}/").json()

    assert item["meta"]["download_url"].endswith(
        f"/protected-media/{media.pk}/lecture.mp4"
    )
    assert "/media/media/" not in str(item)


def test_search_never_tells_outsiders_what_a_module_body_holds(api, course):
    module = course.get_children().first().specific
    module.body = [("text", "<p>zanzibarword</p>")]
    module.save_revision().publish()

    found = api.get("/api/v2/pages/", {"search": "zanzibarword"}).json()
    typed = api.get(
        "/api/v2/pages/", {"search": "zanzibarword", "type": "learning.ModulePage"}
    ).json()

    assert found["items"] == []
    assert typed["items"] == []
