# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""The large demo's bulk builder, and query budgets that do not grow with it."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from classroom.models import Enrollment
from demo import large as demo_large
from learning.models import CoursePage, ModulePage, SubjectPage

# With its fragment cached, an enrolled student's module page reads the user, the
# page (its route is cached), the enrollment (the access rule) and the student's
# completions, nothing that grows with the catalogue.
MODULE_PAGE_BUDGET = 4


@pytest.fixture
def small_demo(monkeypatch, catalog):
    """The large demo's builder with small numbers: 1 subject x 12 courses."""
    for name, value in {
        "SUBJECTS": demo_large.SUBJECTS[:1],
        "COURSES_PER_SUBJECT": 12,
        "MODULES_PER_COURSE": 3,
        "INSTRUCTORS": 3,
        "STUDENTS": 10,
        "ENROLLMENTS_PER_STUDENT": 2,
    }.items():
        monkeypatch.setattr(demo_large, name, value)
    demo_large.build()
    return catalog


def grow(catalog, subjects, courses_each, modules_each=3):
    """More of the same, with the builder's bulk helpers."""
    owner = get_user_model().objects.get(username="teacher1")
    added = demo_large.add_children(
        catalog,
        [SubjectPage(title=f"Extra {n}", owner_id=owner.pk) for n in range(subjects)],
    )
    courses = []
    for subject in added:
        courses += demo_large.add_children(
            subject,
            [
                CoursePage(title=f"{subject.title} {n}", owner_id=owner.pk)
                for n in range(courses_each)
            ],
        )
    demo_large.add_children_many(
        courses,
        [
            ModulePage(title=f"Module {m}", owner_id=owner.pk)
            for _course in courses
            for m in range(modules_each)
        ],
        modules_each,
    )


def test_large_demo_builds_a_valid_page_tree(small_demo, client):
    assert Page.find_problems() == ([], [], [], [], [])
    assert CoursePage.objects.live().count() == 12
    assert ModulePage.objects.live().count() == 36
    course = CoursePage.objects.live().first()
    assert course.get_children().count() == 3
    assert course.get_parent().specific.title == demo_large.SUBJECTS[0]
    assert Enrollment.objects.count() == 20
    assert client.get("/courses/").status_code == 200
    assert client.get(course.url).status_code == 200

    learner = get_user_model().objects.get(username="learner1")
    assert learner.check_password(demo_large.PASSWORD)
    enrolled = Enrollment.objects.filter(student=learner).first().course
    client.force_login(learner)
    module = enrolled.get_children().first()
    response = client.get(module.url)
    assert response.status_code == 200
    assert module.title in response.text


def test_large_demo_is_built_once(small_demo):
    pages = Page.objects.count()
    demo_large.build()
    assert Page.objects.count() == pages


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def page_costs(client, learner):
    """Queries for each page: first with an empty cache, then warm."""
    course = Enrollment.objects.filter(student=learner).order_by("pk").first().course
    pages = {
        "catalogue": ("/courses/", None),
        "subject": (course.get_parent().url, None),
        "course": (course.url, None),
        "course (enrolled)": (course.url, learner),
        "module (enrolled)": (course.get_children().first().url, learner),
    }
    costs = {}
    for name, (url, user) in pages.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        cache.clear()
        costs[name] = (count_queries(client, url), count_queries(client, url))
    return costs


def test_query_counts_do_not_grow_with_the_catalogue(small_demo, client):
    learner = get_user_model().objects.get(username="learner1")
    small = page_costs(client, learner)

    grow(small_demo, subjects=3, courses_each=40)
    assert CoursePage.objects.live().count() == 132
    large = page_costs(client, learner)

    assert large == small
    for name, (first, warm) in large.items():
        assert warm <= first, name


def test_cached_module_page_for_an_enrolled_student_is_within_budget(
    small_demo, client, django_assert_max_num_queries
):
    learner = get_user_model().objects.get(username="learner1")
    course = Enrollment.objects.filter(student=learner).order_by("pk").first().course
    module_url = course.get_children().first().url
    client.force_login(learner)
    client.get(module_url)  # fill the fragment cache
    with django_assert_max_num_queries(MODULE_PAGE_BUDGET):
        client.get(module_url)
