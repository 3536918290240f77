# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Whole anonymous pages, routes, sites, view restrictions and permission sets from
the cache: fast, never stale, never another user's."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction, Site

from learning.models import ModulePage
from sitecache import tags
from sitecache.middleware import RequestCacheMiddleware

HEADER = RequestCacheMiddleware.HEADER


def get(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def test_an_anonymous_page_is_served_again_without_the_database(client, course):
    first, _ = get(client, course.url)
    assert first.status_code == 200
    assert first[HEADER] == "miss"
    again, queries = get(client, course.url)
    assert again[HEADER] == "hit"
    assert queries == 0
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert "public" in again["Cache-Control"]
    assert again["Vary"] == first["Vary"]


def test_query_strings_and_hosts_are_cached_apart(client, course):
    get(client, "/courses/")
    second_page, _ = get(client, "/courses/?page=2")
    assert second_page[HEADER] == "miss"
    other_host, _ = get(client, "/courses/", HTTP_HOST="localhost")
    assert other_host[HEADER] == "miss"


def cached_responses():
    """The whole-response entries in the cache (local memory or Redis)."""
    if hasattr(cache, "keys"):  # django-redis
        return cache.keys("sitecache:response:*")
    return [key for key in cache._cache if ":sitecache:response:" in key]


def test_query_parameters_a_page_does_not_use_share_its_cached_entry(client, course):
    first, _ = get(client, "/courses/")
    assert first[HEADER] == "miss"
    for n in range(50):
        response, _ = get(client, f"/courses/?utm_source=x{n}&ref={n}")
        assert response[HEADER] == "hit"
        assert response.content == first.content
    for same in ("/courses/?page=1", "/courses/?page=abc", "/courses/?page="):
        assert get(client, same)[0][HEADER] == "hit", same
    assert len(cached_responses()) == 1


def test_one_visitor_cannot_make_the_cache_hold_a_page_per_number(client, course):
    for n in range(50):
        get(client, f"/courses/?page={10**6 + n}")
        get(client, f"/courses/?page=-{n}")
        get(client, f"/courses/?page=0{n + 2}")
    assert cached_responses() == []
    get(client, "/courses/?page=2&utm=1")
    assert get(client, "/courses/?utm=2&page=2")[0][HEADER] == "hit"


def test_logged_in_users_never_get_or_leave_a_cached_page(client, course, student):
    get(client, course.url)  # stored for anonymous visitors
    client.force_login(student)
    mine, _ = get(client, course.url)
    assert HEADER not in mine
    assert b"Log out" in mine.content
    assert "private" in mine["Cache-Control"]
    client.logout()
    anonymous, _ = get(client, course.url)
    assert anonymous[HEADER] == "hit"
    assert b"Log out" not in anonymous.content
    assert b'class="username"' not in anonymous.content


def test_basic_auth_and_messages_cookies_bypass_it(client, course):
    get(client, course.url)
    with_auth, _ = get(client, course.url, HTTP_AUTHORIZATION="Basic eDp5")
    assert HEADER not in with_auth
    client.cookies["messages"] = "anything"
    with_messages, _ = get(client, course.url)
    assert HEADER not in with_messages


def test_a_published_change_shows_on_the_next_request(client, course):
    get(client, course.url)
    get(client, "/courses/")
    course.title = "Linear algebra"
    course.save_revision().publish()
    page, _ = get(client, course.url)
    assert page[HEADER] == "miss"
    assert b"Linear algebra" in page.content
    catalogue, _ = get(client, "/courses/")
    assert b"Linear algebra" in catalogue.content


def test_an_unpublished_or_deleted_page_is_gone_at_once(client, course):
    module = ModulePage.objects.child_of(course).first()
    other = ModulePage.objects.child_of(course).last()
    get(client, course.url)
    module.unpublish()
    assert b"Equations" not in get(client, course.url)[0].content
    course.delete()
    assert get(client, course.url)[0].status_code == 404
    assert get(client, other.url)[0].status_code == 404


def test_a_page_made_private_is_no_longer_served_from_the_cache(client, course):
    get(client, course.url)
    assert get(client, course.url)[0][HEADER] == "hit"
    PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response, _ = get(client, course.url)
    assert HEADER not in response
    assert b'name="password"' in response.content
    assert b"Inequalities" not in response.content


def test_a_login_restriction_above_a_module_applies_at_once(client, course, enrolled):
    module = ModulePage.objects.child_of(course).first()
    client.force_login(enrolled)
    assert get(client, module.url)[0].status_code == 200
    PageViewRestriction.objects.create(
        page=course.get_parent(), restriction_type=PageViewRestriction.GROUPS
    )  # no group at all: nobody but superusers
    response, _ = get(client, module.url)
    assert response.status_code == 302
    assert "/_util/login/" in response["Location"] or "login" in response["Location"]


def test_a_moved_address_routes_at_once(client, course, enrolled):
    module = ModulePage.objects.child_of(course).first()
    client.force_login(enrolled)
    old_url = module.url
    assert get(client, old_url)[0].status_code == 200
    module.slug = "solving-equations"
    module.save_revision().publish()
    module.refresh_from_db()
    assert get(client, old_url)[0].status_code == 404
    assert get(client, module.url)[0].status_code == 200


def test_a_warm_module_page_makes_no_query_and_shows_a_mark_at_once(
    client, course, enrolled
):
    module = ModulePage.objects.child_of(course).first()
    client.force_login(enrolled)
    get(client, module.url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(module.url)
    # Site, route, page, restrictions, course, outline, user, permissions, the
    # access rule's answer and the student's progress all come from the cache.
    assert page.status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert b"Mark as done" in page.content

    client.post(
        reverse("student_module_done"), {"module_id": module.pk, "done": "true"}
    )
    assert b"Mark as not done" in client.get(module.url).content


def test_a_new_site_hostname_is_found_at_once(client, course):
    get(client, "/courses/")
    site = Site.objects.get(is_default_site=True)
    other = Site.objects.create(
        hostname="127.0.0.1", root_page=course, is_default_site=False
    )
    response = client.get("/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert b"Algebra" in response.content  # the course is that site's home
    other.delete()
    assert site.root_page.specific.title.encode() in client.get("/").content


@pytest.mark.parametrize("cached_first", [True, False])
def test_a_new_group_shows_the_admin_at_once(client, course, student, cached_first):
    client.force_login(student)
    if cached_first:
        page = client.get(course.url).content
        assert b'href="/admin/"' not in page
    student.groups.add(Group.objects.get(name="Instructors"))
    assert b'href="/admin/"' in client.get(course.url).content
    assert b"wagtail-userbar" in client.get(course.url).content
    student.groups.clear()
    assert b'href="/admin/"' not in client.get(course.url).content


def test_a_permission_given_to_the_group_applies_at_once(client, student, course):
    from django.contrib.auth.models import Permission

    group = Group.objects.create(name="Helpers")
    student.groups.add(group)
    client.force_login(student)
    assert b'href="/admin/"' not in client.get(course.url).content
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    assert b'href="/admin/"' in client.get(course.url).content


def test_local_copies_are_private_copies_and_bounded():
    from sitecache.tags import LocalCopies

    copies = LocalCopies(max_bytes=400)
    copies.put("a", {"titles": ["Algebra"]})
    mine = copies.get("a")
    mine["titles"].append("changed by one request")
    assert copies.get("a") == {"titles": ["Algebra"]}  # the next reader's own copy
    for n in range(20):
        copies.put(f"k{n}", "x" * 50)
    assert copies.size <= 400
    assert copies.get("a") is not None or copies.get("k19") == "x" * 50
    assert copies.get("k19") == "x" * 50  # the newest stays, the oldest went first


def test_the_session_comes_with_the_first_cache_round_trip(
    client, course, enrolled, monkeypatch
):
    """And so do the tokens of the student's own tags (the session names them) and
    of the page's: a warm module page asks the cache once."""
    from django.core.cache import caches

    client.force_login(enrolled)
    module_url = ModulePage.objects.child_of(course).first().url
    client.get(module_url)
    backend = caches["default"]
    asked, inside = [], []
    get, get_many = backend.get, backend.get_many

    def spy_get(key, *args, **kwargs):
        if not inside:  # the local-memory cache's get_many calls get per key
            asked.append(("get", key))
        return get(key, *args, **kwargs)

    def spy_get_many(keys, *args, **kwargs):
        asked.append(("get_many", list(keys)))
        inside.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(backend, "get", spy_get)
    monkeypatch.setattr(backend, "get_many", spy_get_many)
    response = client.get(module_url)
    assert response.status_code == 200
    assert b'class="username"' in response.content  # the session was read
    assert asked[0][0] == "get_many"  # tokens and session, together
    session_key = client.cookies["sessionid"].value
    assert any(key.endswith(session_key) for key in asked[0][1])
    assert not [key for _name, key in asked[1:] if str(key).endswith(session_key)]
    progress = tags.token_key(tags.user_tag("progress", enrolled.pk))
    assert progress in asked[0][1]
    module_page = tags.token_key(
        f"page:{ModulePage.objects.child_of(course).first().pk}"
    )
    assert module_page in asked[0][1]
    assert asked[1:] == []
