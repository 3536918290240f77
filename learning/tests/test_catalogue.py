"""The published catalogue: home, catalogue, subject and course pages."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from demo.factories import (
    CoursePageFactory,
    ImageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    UserFactory,
)
from learning.models import CATALOG_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(db):
    return UserFactory(username="irene", first_name="Irene", last_name="Navarro")


@pytest.fixture
def subjects(catalog, teacher):
    maths = SubjectPageFactory(parent=catalog, title="Mathematics")
    music = SubjectPageFactory(parent=catalog, title="Music")
    algebra = CoursePageFactory(parent=maths, title="Algebra", owner=teacher)
    ModulePageFactory(parent=algebra, title="Equations")
    ModulePageFactory(parent=algebra, title="Inequalities")
    CoursePageFactory(parent=maths, title="Geometry", owner=teacher)
    draft = CoursePageFactory(parent=music, title="Harmony (draft)", owner=teacher)
    draft.unpublish()
    return maths, music


def test_catalogue_lists_subjects_with_their_number_of_courses(client, subjects):
    response = client.get("/courses/")
    assert response.status_code == 200
    counts = {s.title: s.total_courses for s in response.context["subjects"]}
    # The unpublished course is not counted.
    assert counts == {"Mathematics": 2, "Music": 0}
    assert b"Mathematics" in response.content


def test_catalogue_lists_courses_with_modules_and_instructor(client, subjects):
    response = client.get("/courses/")
    courses = {c.title: c for c in response.context["courses"]}
    assert set(courses) == {"Algebra", "Geometry"}
    assert courses["Algebra"].total_modules == 2
    assert courses["Geometry"].total_modules == 0
    html = response.content.decode()
    assert "2 modules · Irene Navarro" in html
    assert "Harmony" not in html


def test_subject_page_filters_the_catalogue(client, subjects, catalog):
    maths, music = subjects
    SubjectPageFactory(parent=catalog, title="Physics")
    response = client.get(maths.url)
    assert response.status_code == 200
    assert [c.title for c in response.context["courses"]] == ["Geometry", "Algebra"]
    # The subject list stays, with the current subject marked.
    assert len(response.context["subjects"]) == 3
    assert f'href="{maths.url}" aria-current="page"' in response.content.decode()
    assert list(client.get(music.url).context["courses"]) == []


def test_catalogue_is_paginated(client, catalog, teacher):
    subject = SubjectPageFactory(parent=catalog, title="History")
    for number in range(CATALOG_PAGE_SIZE + 1):
        CoursePageFactory(parent=subject, title=f"Era {number}", owner=teacher)
    first = client.get("/courses/")
    assert len(first.context["courses"]) == CATALOG_PAGE_SIZE
    assert b'rel="next" href="?page=2"' in first.content
    second = client.get("/courses/?page=2")
    assert len(second.context["courses"]) == 1
    # Out-of-range or junk page numbers answer a page, not an error.
    assert client.get("/courses/?page=99").context["courses"].number == 2
    # Junk is the first page: the same cached answer as /courses/ itself.
    assert client.get("/courses/?page=abc").content == first.content


def test_course_page_lists_modules_in_tree_order(client, subjects):
    maths, _ = subjects
    algebra = maths.get_children().get(title="Algebra").specific
    last = algebra.get_children().get(title="Inequalities")
    first = algebra.get_children().get(title="Equations")
    # Reordering in the explorer is a tree move: it is all it takes.
    last.move(first, pos="left")
    response = client.get(algebra.url)
    assert response.status_code == 200
    assert [m.title for m in response.context["modules"]] == [
        "Inequalities",
        "Equations",
    ]
    html = response.content.decode()
    assert "Taught by <strong>Irene Navarro</strong>" in html
    # Classroom's per-user actions are included right under the header.
    assert html.index('class="course-header"') < html.index("course-actions")
    # Outsiders see module titles but no links into them.
    assert f'href="{first.url}"' not in html


def test_home_page_shows_the_newest_courses_and_subjects(client, subjects):
    response = client.get("/")
    assert response.status_code == 200
    assert [c.title for c in response.context["latest_courses"]] == [
        "Geometry",
        "Algebra",
    ]
    assert b"Browse the catalogue" in response.content
    assert b"Mathematics" in response.content


def test_course_card_shows_the_course_image(client, catalog, teacher):
    subject = SubjectPageFactory(parent=catalog, title="Art")
    CoursePageFactory(
        parent=subject, title="Drawing", owner=teacher, image=ImageFactory()
    )
    html = client.get("/courses/").content.decode()
    assert 'class="card-image"' in html
    assert ".fill-480x270" in html


def test_unknown_address_gets_the_404_page(client, catalog):
    response = client.get("/courses/no-such-subject/")
    assert response.status_code == 404
    assert b"We couldn\xe2\x80\x99t find that page" in response.content


def test_500_page_renders_without_a_request(settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "/static/css/educa.css" in html


# --- Query budget -----------------------------------------------------------------

# Whatever the size: site, routing, view restrictions, counts, listings, images.
QUERY_BUDGET = 20
# Building 300 courses is quicker without updating the search index on each save.
NO_SEARCH_INDEXING = {
    "default": {"BACKEND": "wagtail.search.backends.database", "AUTO_UPDATE": False}
}


def build_catalogue(catalog, subjects, courses, modules_per_course):
    """`subjects` subjects sharing `courses` courses, each with its own owner."""
    User = get_user_model()
    owners = User.objects.bulk_create(
        User(username=f"owner-{catalog.pk}-{courses}-{n}", first_name=f"Owner {n}")
        for n in range(min(courses, 24))
    )
    images = [ImageFactory() for _ in range(min(courses, 12))]
    pages = [
        SubjectPageFactory(parent=catalog, title=f"Subject {courses}-{n}")
        for n in range(subjects)
    ]
    made = []
    for number in range(courses):
        course = CoursePageFactory(
            parent=pages[number % subjects],
            title=f"Course {courses}-{number}",
            owner=owners[number % len(owners)],
            image=images[number % len(images)],
        )
        made.append(course)
    # The courses a listing shows get modules; the last one gets many.
    for course in made[-CATALOG_PAGE_SIZE:]:
        count = modules_per_course if course is made[-1] else 1
        for number in range(count):
            ModulePageFactory(parent=course, title=f"Module {number}")
    return pages[0], made[-1]


def count_queries(client, url, django_assert_max_num_queries):
    client.get(url)  # renditions are made on first view; measure the steady state
    with django_assert_max_num_queries(QUERY_BUDGET) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_catalogue_pages_cost_the_same_queries_with_3_or_300_courses(
    client, catalog, django_assert_max_num_queries
):
    subject, course = build_catalogue(catalog, 1, 3, modules_per_course=2)

    def measure(subject, course):
        return [
            count_queries(client, url, django_assert_max_num_queries)
            for url in ("/", "/courses/", subject.url, course.url)
        ]

    small = measure(subject, course)

    # A bigger catalogue in the same database: many more subjects, courses,
    # modules and owners, and a course page with six times the modules.
    with override_settings(WAGTAILSEARCH_BACKENDS=NO_SEARCH_INDEXING):
        subject, course = build_catalogue(catalog, 10, 300, modules_per_course=12)
    large = measure(subject, course)

    assert large == small, f"queries at 3 courses {small}, at 300 {large}"
