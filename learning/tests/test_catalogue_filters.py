"""The catalogue's filters, sort and facet counts, and how they are cached.

Students enroll through a course's `enrollments` relation: learning's tests do not
import the classroom (pyproject.toml, import-linter)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from demo.factories import (
    CoursePageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    UserFactory,
)
from sitecache.middleware import RequestCacheMiddleware
from sitecache.pages import cacheable_query, keyed_parameters

pytestmark = pytest.mark.django_db

HEADER = RequestCacheMiddleware.HEADER


@pytest.fixture
def shelves(catalog):
    """Two subjects, four courses of different levels and languages, newest
    first."""
    teacher = UserFactory(username="irene", first_name="Irene", last_name="Navarro")
    maths = SubjectPageFactory(parent=catalog, title="Mathematics")
    languages = SubjectPageFactory(parent=catalog, title="Languages")
    now = timezone.now()
    specs = [
        (maths, "Algebra", "beginner", "en"),
        (maths, "Calculus", "advanced", "en"),
        (languages, "Spanish for travellers", "beginner", "es"),
        (languages, "Bonjour", "intermediate", "fr"),
    ]
    courses = {}
    for age, (subject, title, level, language) in enumerate(specs):
        courses[title] = CoursePageFactory(
            parent=subject,
            title=title,
            owner=teacher,
            level=level,
            language=language,
            estimated_hours=6,
            created=now - timedelta(days=age),
        )
    return maths, languages, courses


def titles(response):
    return [course.title for course in response.context["courses"]]


def counts(response, name):
    (facet,) = [f for f in response.context["facets"] if f.name == name]
    return {value: count for value, _label, count, _checked in facet.options}


def test_level_and_language_filter_the_list(client, shelves):
    response = client.get("/courses/?level=beginner")
    assert response.status_code == 200
    assert titles(response) == ["Algebra", "Spanish for travellers"]
    response = client.get("/courses/?level=beginner&language=es")
    assert titles(response) == ["Spanish for travellers"]
    assert "1 course matches your filters" in response.text


def test_subject_filter_by_its_slug(client, shelves):
    maths, _languages, _courses = shelves
    response = client.get(f"/courses/?subject={maths.slug}")
    assert titles(response) == ["Algebra", "Calculus"]


def test_counts_are_of_the_courses_matching_the_other_filters(client, shelves):
    response = client.get("/courses/?level=beginner&language=en")
    # Each facet counts as if its own choice were changed, the others kept.
    assert counts(response, "level") == {
        "": 2,
        "beginner": 1,
        "intermediate": 0,
        "advanced": 1,
    }
    assert counts(response, "language") == {
        "": 2,
        "en": 1,
        "es": 1,
        "fr": 0,
        "de": 0,
        "it": 0,
        "pt": 0,
    }
    assert counts(response, "subject") == {"": 1, "languages": 0, "mathematics": 1}


def test_sorts_newest_by_title_and_by_enrollments(client, shelves):
    *_subjects, courses = shelves
    assert titles(client.get("/courses/")) == [
        "Algebra",
        "Calculus",
        "Spanish for travellers",
        "Bonjour",
    ]
    assert titles(client.get("/courses/?sort=title")) == [
        "Algebra",
        "Bonjour",
        "Calculus",
        "Spanish for travellers",
    ]
    for n in range(2):
        student = UserFactory(username=f"learner{n}")
        courses["Bonjour"].enrollments.create(student=student)
    courses["Calculus"].enrollments.create(student=student)
    assert titles(client.get("/courses/?sort=popular"))[:2] == ["Bonjour", "Calculus"]


def test_the_form_is_a_plain_get_form_with_legends_and_a_reset_link(client, shelves):
    html = client.get("/courses/?level=advanced").text
    assert '<form class="catalogue-filters" method="get" action="/courses/"' in html
    for legend in ("Subject", "Level", "Language"):
        assert f"<legend>{legend}</legend>" in html
    assert 'name="level" value="advanced" checked' in html
    assert '<label for="catalogue-sort">Sort by</label>' in html
    assert '<a class="filter-reset" href="/courses/">Reset filters</a>' in html


def test_pagination_keeps_the_active_filters(client, catalog, shelves):
    maths, *_rest = shelves
    for number in range(13):
        CoursePageFactory(parent=maths, title=f"Drill {number}", level="advanced")
    response = client.get("/courses/?level=advanced&sort=title")
    assert 'rel="next" href="?level=advanced&amp;sort=title&amp;page=2"' in (
        response.text
    )
    second = client.get("/courses/?level=advanced&sort=title&page=2")
    assert len(second.context["courses"]) == 2


@pytest.mark.parametrize(
    "query",
    ["level=expert", "language=xx", "sort=random", "subject=no-such-subject"],
)
def test_unknown_values_are_a_400_and_never_stored(client, shelves, query):
    first = client.get(f"/courses/?{query}")
    assert first.status_code == 400
    assert "were not understood" in first.text
    assert HEADER not in first
    again = client.get(f"/courses/?{query}")
    assert again.status_code == 400
    assert HEADER not in again


def test_each_filter_is_cached_apart(client, shelves):
    first = client.get("/courses/?level=beginner")
    assert first[HEADER] == "miss"
    again = client.get("/courses/?utm_source=x&level=beginner")
    assert again[HEADER] == "hit"
    assert again.content == first.content
    other = client.get("/courses/?level=advanced")
    assert other[HEADER] == "miss"
    assert titles(other) == ["Calculus"]
    assert client.get("/courses/")[HEADER] == "miss"


def test_filtered_answers_are_kept_from_the_front_cache(client, shelves):
    # Publishing purges the catalogue by page number only (learning.frontcache).
    assert client.get("/courses/?language=fr")["X-Accel-Expires"] == "0"
    assert "X-Accel-Expires" not in client.get("/courses/")
    # The form sends every field: its defaults are an address no purge reaches.
    default_form = "/courses/?subject=&level=&language=&sort=newest"
    assert client.get(default_form)["X-Accel-Expires"] == "0"
    assert client.get("/courses/?sort=newest&page=2")["X-Accel-Expires"] == "0"


def test_other_pages_never_store_the_catalogue_parameters(client, shelves):
    *_subjects, courses = shelves
    url = courses["Algebra"].url
    assert client.get(url)[HEADER] == "miss"
    for _ in range(2):
        assert client.get(f"{url}?level=beginner").headers.get(HEADER) != "hit"
    made_up = f"{url}?subject=made-up"
    client.get(made_up)
    assert client.get(made_up).headers.get(HEADER) != "hit"


def test_cache_key_takes_only_declared_parameters():
    from django.test import RequestFactory

    assert set(keyed_parameters()) >= {"subject", "level", "language", "sort"}
    get = RequestFactory().get
    assert cacheable_query(get("/courses/?sort=title&level=beginner&utm=1")) == (
        "level=beginner&sort=title"
    )
    assert cacheable_query(get("/courses/?level=advanced&level=beginner")) == (
        "level=beginner"
    )
    assert cacheable_query(get("/courses/?page=3&level=")) == "page=3"
    assert cacheable_query(get("/courses/?level=" + "x" * 101)) is None
    assert cacheable_query(get("/courses/?level=a%00b")) is None


def test_an_enrollment_reorders_the_popular_list_only(client, shelves):
    *_subjects, courses = shelves
    assert client.get("/courses/?sort=popular")[HEADER] == "miss"
    assert client.get("/courses/")[HEADER] == "miss"
    assert client.get("/courses/?sort=popular")[HEADER] == "hit"
    assert client.get("/courses/")[HEADER] == "hit"

    courses["Bonjour"].enrollments.create(student=UserFactory())

    popular = client.get("/courses/?sort=popular")
    assert popular[HEADER] == "miss"
    assert titles(popular)[0] == "Bonjour"
    # The newest-first list shows no enrollment: it stays cached.
    assert client.get("/courses/")[HEADER] == "hit"


# --- Query budget -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["level=beginner&language=en&sort=popular", "subject=mathematics&sort=title"],
)
def test_filtered_catalogue_costs_the_same_at_two_sizes(
    client, catalog, shelves, query
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    maths, languages, _courses = shelves

    def cost():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/courses/?{query}")
        assert response.status_code == 200
        return len(queries)

    small = cost()
    for number in range(30):
        course = CoursePageFactory(
            parent=maths if number % 2 else languages,
            title=f"Extra {number}",
            level=["beginner", "advanced"][number % 2],
            language=["en", "es", "fr"][number % 3],
        )
        ModulePageFactory(parent=course, title="Start")
        course.enrollments.create(student=UserFactory())
    SubjectPageFactory(parent=catalog, title="Music")
    assert cost() == small
