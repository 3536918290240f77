"""A module page: the access rule, the study layout and its cached contents."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(html):
    return [{"type": "text", "value": html}]


@pytest.fixture
def owner(db):
    return UserFactory(username="irene")


@pytest.fixture
def modules(course, owner):
    """Three modules of a course owned by `owner`, bodies published as revisions."""
    course.owner = owner
    course.save()
    for page in course.get_children().specific():
        page.delete()
    made = []
    for title in ("One", "Two", "Three"):
        module = ModulePageFactory(
            parent=course, title=title, owner=owner, body=text(f"<p>Body {title}</p>")
        )
        module.save_revision(user=owner).publish()
        module.refresh_from_db()  # publish() updates a copy made from the revision
        made.append(module)
    return made


def test_visitor_is_sent_to_log_in(client, modules):
    response = client.get(modules[0].url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_outsider_is_sent_to_course_page(client, modules, student):
    client.force_login(student)
    response = client.get(modules[0].url, follow=True)
    course = modules[0].get_parent()
    assert response.redirect_chain == [(course.url, 302)]
    assert b"Enroll in this course to open its modules." in response.content


def test_owner_studies_with_sidebar_and_previous_next(client, modules, owner):
    client.force_login(owner)
    response = client.get(modules[1].url)
    assert response.status_code == 200
    assert [m.title for m in response.context["modules"]] == ["One", "Two", "Three"]
    assert response.context["previous_module"].pk == modules[0].pk
    assert response.context["next_module"].pk == modules[2].pk
    html = response.content.decode()
    assert "<p>Body Two</p>" in html
    assert f'href="{modules[1].url}" aria-current="page"' in html
    assert "Module 2 of 3" in html
    # Classroom's per-user part comes after the contents, outside the cache.
    assert html.index("Body Two") < html.index('id="module-actions"')


def test_first_and_last_modules_have_one_neighbour(client, modules, owner):
    client.force_login(owner)
    first = client.get(modules[0].url).context
    last = client.get(modules[2].url).context
    assert first["previous_module"] is None
    assert last["next_module"] is None


def test_cached_contents_follow_every_change_of_the_live_page(client, modules, owner):
    module = modules[0]
    client.force_login(owner)
    assert b"Body One" in client.get(module.url).content
    # Saving the live page (a script, a factory) changes what visitors see...
    module.body = text("<p>Changed by a script</p>")
    module.save()
    assert b"Changed by a script" in client.get(module.url).content
    # ...and so does publishing a revision, at once.
    module.body = text("<p>Published change</p>")
    module.save_revision(user=owner).publish()
    html = client.get(module.url).content.decode()
    assert "Published change" in html
    assert "Changed by a script" not in html


def test_preview_shows_the_draft_not_the_cached_contents(client, modules):
    module = modules[0]
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert b"Body One" in client.get(module.url).content
    preview_url = f"/admin/pages/{module.pk}/edit/preview/"
    data = nested_form_data(
        {
            "title": "One",
            "slug": module.slug,
            "description": "",
            "body": streamfield([("text", rich_text("<p>Draft words</p>"))]),
        }
    )
    assert client.post(preview_url, data).json()["is_valid"]
    html = client.get(preview_url).content.decode()
    assert "Draft words" in html
    assert "Body One" not in html
    # Visitors still get the published contents.
    assert b"Body One" in client.get(module.url).content


def test_modules_of_another_course_are_not_listed(client, modules, owner):
    other = CoursePageFactory(parent=modules[0].get_parent().get_parent(), owner=owner)
    ModulePageFactory(parent=other, title="Elsewhere")
    client.force_login(owner)
    titles = [m.title for m in client.get(modules[0].url).context["modules"]]
    assert "Elsewhere" not in titles
