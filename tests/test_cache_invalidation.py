"""Cached parts are dropped the moment what they show changes, and only then."""
# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory

from classroom.access import can_view_contents
from classroom.models import Enrollment
from demo.factories import (
    CoursePageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    UserFactory,
)
from learning.models import CoursePage
from sitecache import tags

# The same tag and key the catalogue templates use.
FRAGMENT = Template(
    "{% load shared_cache %}"
    "{% sharedcache 'catalogue' %}"
    "{% for title in titles %}{{ title }};{% endfor %}"
    "{% endsharedcache %}"
)


def render_fragment(titles, page):
    request = RequestFactory().get(page.url or "/")
    return FRAGMENT.render(
        Context({"request": request, "page": page, "titles": titles})
    )


def live_titles():
    return list(
        CoursePage.objects.live().order_by("title").values_list("title", flat=True)
    )


@pytest.fixture
def cached(course, catalog):
    """The catalogue's fragment rendered once, so that the cache holds it."""
    assert render_fragment(live_titles(), catalog) == "Algebra;"
    # Proof the cache answers: a different list renders as the cached one.
    assert render_fragment(["stale"], catalog) == "Algebra;"
    return course


def test_fragment_is_served_from_cache_until_something_changes(cached, catalog):
    assert render_fragment(["anything"], catalog) == "Algebra;"


def test_publishing_drops_cached_fragments(cached, catalog):
    cached.title = "Linear Algebra"
    cached.save_revision().publish()
    assert render_fragment(live_titles(), catalog) == "Linear Algebra;"


def test_unpublishing_drops_cached_fragments(cached, catalog):
    cached.unpublish()
    assert render_fragment(live_titles(), catalog) == ""


def test_moving_drops_cached_fragments(cached, catalog):
    other = SubjectPageFactory(parent=catalog, title="Physics")
    before = tags.token("tree")
    cached.move(other, pos="last-child")
    assert tags.token("tree") != before
    assert render_fragment(["moved"], catalog) == "moved;"


def test_deleting_drops_cached_fragments(cached, catalog):
    cached.delete()
    assert render_fragment(live_titles(), catalog) == ""


def test_adding_a_module_drops_cached_fragments(cached, catalog):
    # Module counts show on the course cards.
    ModulePageFactory(parent=cached, title="Matrices")
    assert render_fragment(["recounted"], catalog) == "recounted;"


def test_enrollment_keeps_pages_cached_and_refreshes_access(student, cached, catalog):
    """Enrollments change who may open a course, not what the catalogue shows."""
    assert not can_view_contents(student, cached)
    enrollment = Enrollment.objects.create(student=student, course=cached)
    assert render_fragment(["anything"], catalog) == "Algebra;"
    assert can_view_contents(student, cached)
    enrollment.delete()
    assert not can_view_contents(student, cached)
    assert render_fragment(["anything"], catalog) == "Algebra;"


def test_a_draft_changes_nothing_cached(cached, catalog):
    """Saving a draft (a revision, as the editor's "Save draft" does) shows nowhere
    until it is published."""
    before = {tag: tags.token(tag) for tag in cached.get_cache_tags()}
    cached.title = "Draft title"
    cached.save_revision()
    assert {tag: tags.token(tag) for tag in cached.get_cache_tags()} == before
    assert render_fragment(["anything"], catalog) == "Algebra;"


def test_a_sign_up_changes_nothing_cached(cached, catalog):
    before = {tag: tags.token(tag) for tag in catalog.get_cache_tags()}
    get_user_model().objects.create_user("newcomer", password="pass-word-123")
    assert {tag: tags.token(tag) for tag in catalog.get_cache_tags()} == before
    assert render_fragment(["anything"], catalog) == "Algebra;"


def test_saving_a_user_who_owns_no_page_changes_nothing_shown(cached, catalog, student):
    student.first_name = "Sam"
    student.save()
    assert render_fragment(["anything"], catalog) == "Algebra;"


def test_renaming_an_instructor_drops_the_cards_with_their_name(cached, catalog):
    cached.owner.first_name = "Irene"
    cached.owner.save()
    assert render_fragment(["renamed"], catalog) == "renamed;"


def test_publishing_a_course_keeps_what_does_not_show_it(catalog, instructor):
    """Publishing course X forgets X's pages and the listings above it; another
    subject's page, another course and its modules keep their entries."""
    maths = SubjectPageFactory(parent=catalog, title="Maths")
    art = SubjectPageFactory(parent=catalog, title="Art")
    algebra = CoursePageFactory(parent=maths, title="Algebra", owner=instructor)
    painting = CoursePageFactory(parent=art, title="Painting", owner=instructor)
    brushes = ModulePageFactory(parent=painting, title="Brushes")
    kept = [art, painting, brushes]
    before = {page.pk: page.get_cache_tags() for page in kept}
    tokens = {page.pk: [tags.token(t) for t in before[page.pk]] for page in kept}
    forgotten = [algebra, maths, catalog]
    old = {
        page.pk: [tags.token(t) for t in page.get_cache_tags()] for page in forgotten
    }

    algebra.title = "Linear Algebra"
    algebra.save_revision().publish()

    for page in kept:
        assert [tags.token(t) for t in before[page.pk]] == tokens[page.pk], page
    for page in forgotten:
        assert [tags.token(t) for t in page.get_cache_tags()] != old[page.pk], page


def test_tag_is_replaced_again_after_commit(course):
    """Once more on commit: a request that read the old rows before our commit may
    have stored them under the token made during the transaction."""
    course.title = "Geometry"
    course.save_revision().publish()
    pending = [func for _sids, func, _robust in connection.run_on_commit]
    assert pending.count(tags._replacer(f"page:{course.pk}")) == 1


def test_failed_bump_is_retried_before_the_next_read(cached, monkeypatch):
    backend = caches["default"]
    before = tags.token("tree")
    with monkeypatch.context() as down:
        # What the cache backend answers while Redis is away.
        down.setattr(backend, "set", lambda *args, **kwargs: None)
        tags.changed("tree")
    assert "tree" in tags.pending_replacements
    assert tags.token("tree") != before
    assert "tree" not in tags.pending_replacements
    tags.retry_timer.cancel()


# --- Pages -------------------------------------------------------------------------


def test_catalogue_shows_a_renamed_course_on_the_next_request(client, course):
    assert "Algebra" in client.get("/courses/").text
    course.title = "Abstract Algebra"
    course.save_revision().publish()
    assert "Abstract Algebra" in client.get("/courses/").text
    assert "Abstract Algebra" in client.get(course.get_parent().url).text


def test_course_page_shows_a_new_module_on_the_next_request(client, course, student):
    Enrollment.objects.create(student=student, course=course)
    client.force_login(student)
    assert "Matrices" not in client.get(course.url).text
    module = ModulePageFactory(parent=course, title="Matrices", live=False)
    module.save_revision().publish()
    assert "Matrices" in client.get(course.url).text
    module.refresh_from_db()  # publish() worked on a copy made from the revision
    module.unpublish()
    assert "Matrices" not in client.get(course.url).text


def test_catalogue_drops_a_deleted_course(client, course):
    client.get("/courses/")
    course.delete()
    assert "Algebra" not in client.get("/courses/").text


# --- No leakage between users ------------------------------------------------------


def test_per_user_parts_never_leak_between_users(client, course, student):
    """Two users, one cache: each sees only their own name and access."""
    Enrollment.objects.create(student=student, course=course)
    outsider = UserFactory(username="outsider")
    first_module = course.get_children().live().first()

    client.force_login(student)
    for _ in range(2):  # fill the cache, then be served from it
        enrolled_view = client.get(course.url).text
    assert "student" in enrolled_view
    assert first_module.url in enrolled_view

    client.force_login(outsider)
    for _ in range(2):
        outsider_view = client.get(course.url).text
    assert "outsider" in outsider_view
    assert ">student<" not in outsider_view
    assert first_module.url not in outsider_view

    client.logout()
    anonymous_view = client.get(course.url).text
    assert "outsider" not in anonymous_view
    assert first_module.url not in anonymous_view


def test_module_contents_are_not_served_to_an_outsider_from_cache(client, course):
    reader = UserFactory(username="reader")
    Enrollment.objects.create(student=reader, course=course)
    module = course.get_children().live().first()
    client.force_login(reader)
    assert client.get(module.url).status_code == 200

    client.force_login(UserFactory(username="nosy"))
    response = client.get(module.url)
    assert response.status_code == 302
    client.logout()
    assert client.get(module.url).status_code == 302


def test_two_subjects_do_not_share_a_cached_listing(client, catalog):
    maths = SubjectPageFactory(parent=catalog, title="Maths")
    art = SubjectPageFactory(parent=catalog, title="Art")
    CoursePageFactory(parent=maths, title="Calculus")
    CoursePageFactory(parent=art, title="Painting")
    assert "Calculus" in client.get(maths.url).text
    art_page = client.get(art.url).text
    assert "Painting" in art_page
    assert "Calculus" not in art_page


def test_a_release_starts_a_new_epoch(client, course):
    """`migrate` (every release runs it) starts a new epoch: nothing rendered by the
    previous release's templates is served after it."""
    client.get(course.url)
    before = tags.epoch()
    call_command("migrate", verbosity=0)
    assert tags.epoch() != before


def test_nothing_the_cache_answers_before_a_due_new_epoch_is_used():
    """Between an outage's end and its new epoch (the retry timer's next run) the
    cache answers with entries that may have missed invalidations: a request's
    first round trip (a session ended meanwhile, say) is dropped and the epoch
    replaced before anything is read."""
    entry = "sitecache:test:prefetched"
    caches["default"].set(entry, "stored before the outage")
    before = tags.epoch()
    tags.pending_replacements.add(tags.EPOCH)
    try:
        with tags.request_scope(keys=[entry]):
            assert tags.prefetched(entry) is tags._MISSING
            assert tags.epoch() != before
        assert tags.EPOCH not in tags.pending_replacements
    finally:
        tags.pending_replacements.discard(tags.EPOCH)
