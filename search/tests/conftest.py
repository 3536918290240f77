"""Helpers for search tests: a small catalogue with real module bodies."""

import pytest
from django.utils.text import slugify
from wagtail.rich_text import RichText


def text_body(*paragraphs):
    """A module body of `text` blocks, one per paragraph (HTML allowed)."""
    return [("text", RichText(f"<p>{paragraph}</p>")) for paragraph in paragraphs]


@pytest.fixture
def make_subject(catalog):
    from demo.factories import SubjectPageFactory

    def make(title, **kwargs):
        kwargs.setdefault("slug", slugify(title))
        return SubjectPageFactory(parent=catalog, title=title, **kwargs)

    return make


@pytest.fixture
def make_course(instructor):
    from demo.factories import CoursePageFactory

    def make(subject, title, overview="What this course teaches.", **kwargs):
        kwargs.setdefault("slug", slugify(title))
        kwargs.setdefault("owner", instructor)
        return CoursePageFactory(
            parent=subject, title=title, overview=f"<p>{overview}</p>", **kwargs
        )

    return make


@pytest.fixture
def make_module():
    from demo.factories import ModulePageFactory

    def make(course, title, *paragraphs, **kwargs):
        kwargs.setdefault("slug", slugify(title))
        kwargs.setdefault("owner", course.owner)
        kwargs.setdefault("body", text_body(*paragraphs))
        return ModulePageFactory(parent=course, title=title, **kwargs)

    return make


@pytest.fixture
def reader(instructor):
    """Someone who may read the courses `make_course` makes: their owner."""
    return instructor


@pytest.fixture
def maths(make_subject):
    return make_subject("Mathematics")


@pytest.fixture
def algebra(maths, make_course, make_module):
    """A published course whose word "quadratic" appears only in a module's text."""
    course = make_course(maths, "Algebra", "Symbols and the rules for them.")
    make_module(course, "Equations", "The quadratic formula solves ax² + bx + c = 0.")
    make_module(course, "Inequalities", "Signs flip when multiplying by negatives.")
    return course


@pytest.fixture
def enroll():
    from classroom.models import Enrollment

    def enroll(user, course):
        return Enrollment.objects.create(student=user, course=course)

    return enroll
