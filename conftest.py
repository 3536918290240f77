"""Fixtures shared by every app's tests: the page tree, users, services, a browser."""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_service(name, url):
    """Skip (or, under CI=true, fail) when the server behind `url` does not answer."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return url
    except OSError:
        message = f"{name} is not reachable at {parsed.hostname}:{parsed.port}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: a missing service is a failure)")
        pytest.skip(message)


@pytest.fixture
def redis_url():
    """A real Redis server: REDIS_URL, or the local one on 6379."""
    return require_service(
        "Redis", os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
    )


def ensure_wagtail_baseline():
    """Put back what migrations create and a transactional test's flush removes:
    the default locale, the root page and collection, the Instructors group."""
    from wagtail.models import Collection, Locale, Page

    from learning.permissions import setup_instructors_group

    locale, _ = Locale.objects.get_or_create(language_code="en")
    if not Page.get_first_root_node():
        Page.add_root(title="Root", slug="root", locale=locale)
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    setup_instructors_group()


@pytest.fixture
def site_tree(db):
    """Home page as the default site's root and the catalogue under it."""
    from demo.factories import build_site_tree

    ensure_wagtail_baseline()
    home, catalog = build_site_tree()
    return catalog


@pytest.fixture
def catalog(site_tree):
    return site_tree


@pytest.fixture
def instructor(db):
    from django.contrib.auth.models import Group

    from demo.factories import UserFactory

    ensure_wagtail_baseline()
    user = UserFactory(username="instructor", is_staff=False)
    user.groups.add(Group.objects.get(name="Instructors"))
    return user


@pytest.fixture
def other_instructor(db):
    from django.contrib.auth.models import Group

    from demo.factories import UserFactory

    ensure_wagtail_baseline()
    user = UserFactory(username="other-instructor")
    user.groups.add(Group.objects.get(name="Instructors"))
    return user


@pytest.fixture
def superuser(db):
    from demo.factories import UserFactory

    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def outsider(db):
    """A logged-in student who is not enrolled in `course`."""
    from demo.factories import UserFactory

    return UserFactory(username="outsider")


@pytest.fixture
def enrolled(course, student):
    """`student`, enrolled in `course`."""
    from classroom.models import Enrollment

    Enrollment.objects.create(student=student, course=course)
    return student


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def student(db):
    from demo.factories import UserFactory

    return UserFactory(username="student")


@pytest.fixture
def course(catalog, instructor):
    """A published course with two modules, owned by `instructor`."""
    from demo.factories import (
        CoursePageFactory,
        ModulePageFactory,
        SubjectPageFactory,
    )

    subject = SubjectPageFactory(parent=catalog, title="Mathematics")
    course = CoursePageFactory(parent=subject, title="Algebra", owner=instructor)
    ModulePageFactory(parent=course, title="Equations")
    ModulePageFactory(parent=course, title="Inequalities")
    return course


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop running in
    the main thread while a browser is open, which asyncio-based tests cannot share.
    With POSTGRES_PASS=1 (a PostgreSQL pass of the same CI runs them), the SQLite
    pass leaves out its re-runs on PostgreSQL (tests/postgres_rerun.py)."""
    if os.environ.get("POSTGRES_PASS") == "1":
        left_out = [i for i in items if i.get_closest_marker("postgres_rerun")]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [i for i in items if i not in left_out]
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright (never a downloaded browser).

    Every page it opens is audited with axe-core (WCAG 2.0/2.1 A and AA) after
    each navigation and before it closes: tests/browser/accessibility.py."""
    if not shutil.which(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing (CI=true)")
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database calls happen in its own thread, so this only unblocks fixtures.
    from playwright.sync_api import sync_playwright

    from tests.browser.accessibility import audited_navigation

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright, audited_navigation():
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: ids are reused after a rollback, so a
    fragment cached by one test must never answer another. The process's hints
    (which tags a request read last time) go too: a test counts round trips."""
    from django.core.cache import cache

    from sitecache import tags

    cache.clear()
    for hints in (tags.session_users, tags.path_tags, tags.user_page_tags):
        hints.clear()
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test databases; serialized rollback that survives Playwright.

    Django keeps the data a `serialized_rollback` test restores on the connection
    object, and connections are context-local: once Playwright's sync API has started,
    tests run in another context whose fresh connection lacks it, so a transactional
    browser test would find the migrations' rows (root page, locale) flushed away.
    Putting the data on the connection class makes every context see it.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    yield
