# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Per-user decorations inside shared HTML (sitecache/decorations.py): markers are
stored, filled for each request, and cannot be faked by a page's content."""

import pickle

import pytest
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.template import Context, Engine, TemplateSyntaxError
from django.test import Client, RequestFactory, override_settings
from django.utils.html import format_html

from sitecache import decorations, shells, tags

FAKE = "<!--deco:0123456789abcdef0123456789abcdef:spy:1-->"


class User:
    def __init__(self, name):
        self.username = name
        self.is_authenticated = name is not None


def request_of(name="ann"):
    request = RequestFactory().get("/")
    request.user = User(name)
    return request


@pytest.fixture(autouse=True)
def _own_copies():
    """This process's copies hold only this test's entries (they outlive the cache's
    clearing between tests, unreachable)."""
    tags.local_copies.clear()


@pytest.fixture
def spy(monkeypatch):
    """A "spy" and the "module-done" decoration that show whose request filled them
    and record each call."""
    calls = []

    def fill(request, ids):
        calls.append(list(ids))
        return {
            each: format_html('<b class="who">{}:{}</b>', request.user.username, each)
            for each in ids
        }

    monkeypatch.setitem(decorations.fills, "spy", fill)
    monkeypatch.setitem(decorations.fills, "module-done", fill)
    return calls


def modules_of(course):
    return list(course.get_children().live().order_by("path"))


def login(user):
    client = Client()
    client.force_login(user)
    return client


def stored_values():
    """Everything this process keeps of the shared entries (and the cache's copy)."""
    values = []
    for key, data in list(tags.local_copies.entries.items()):
        values.append((key, pickle.loads(data)))  # noqa: S301 - our own entries
        values.append((key, cache.get(key)))
    return values


def text_of(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, tuple | list):
        return "".join(text_of(each) for each in value)
    if isinstance(value, dict):
        return "".join(text_of(each) for each in value.values())
    return str(value)


def test_a_marker_is_filled_for_the_request():
    marker = decorations.marker("spy", 7)
    assert marker.startswith("<!--deco:") and marker.endswith(":spy:7-->")
    content = f"<p>a{marker}b</p>".encode()
    assert decorations.fill_content(request_of("ann"), content) == b"<p>ab</p>"


def test_fill_is_called_once_per_name_with_every_id(spy):
    content = "".join(
        decorations.marker(name, pk) for name, pk in [("spy", 1), ("spy", 2)] * 2
    ) + decorations.marker("unregistered", 3)
    filled = decorations.fill_content(request_of("ann"), content.encode()).decode()
    assert spy == [["1", "2"]]
    assert filled == (
        '<b class="who">ann:1</b><b class="who">ann:2</b>' * 2
    )  # the unregistered one is removed


def test_a_look_alike_marker_is_left_as_it_is(spy):
    # Another key (an author who does not know SECRET_KEY's), or no key at all.
    fakes = FAKE + "<!--deco:spy:1-->"
    real = decorations.marker("spy", 1)
    filled = decorations.fill_content(request_of("ann"), (fakes + real).encode())
    assert filled.decode() == fakes + '<b class="who">ann:1</b>'
    # Alone, it costs nothing: the page is not even rewritten.
    assert decorations.fill_content(request_of("ann"), fakes.encode()) is None


def test_the_key_is_the_deployments_own():
    marker = decorations.marker("spy", 1)
    with override_settings(SECRET_KEY="another-deployment"):
        other = decorations.marker("spy", 1)
        assert decorations.fill_content(request_of(), marker.encode()) is None
    assert other != marker
    assert decorations.marker("spy", 1) == marker  # every process writes the same


def test_an_anonymous_visitor_gets_every_marker_removed(spy):
    marker = decorations.marker("spy", 1)
    assert decorations.fill_content(request_of(None), marker.encode()) == b""
    assert decorations.fill_content(RequestFactory().get("/"), marker.encode()) == b""
    assert spy == []


def test_plain_strings_from_a_fill_are_escaped(monkeypatch):
    monkeypatch.setitem(decorations.fills, "spy", lambda request, ids: {"1": "<i>"})
    content = decorations.marker("spy", 1).encode()
    assert decorations.fill_content(request_of(), content) == b"&lt;i&gt;"


def test_only_html_responses_are_filled(spy):
    marker = decorations.marker("spy", 1)
    page = HttpResponse(f"<p>{marker}</p>")
    page["Content-Length"] = str(len(page.content))
    decorations.fill_response(request_of("ann"), page)
    assert page.content == b'<p><b class="who">ann:1</b></p>'
    assert page["Content-Length"] == str(len(page.content))
    data = JsonResponse({"marker": marker})
    decorations.fill_response(request_of("ann"), data)
    assert marker.encode() in data.content


def test_names_and_ids_cannot_break_out_of_the_marker():
    with pytest.raises(ValueError):
        decorations.marker("spy", "1-->")
    with pytest.raises(ValueError):
        decorations.marker("Spy name", 1)


ENGINE = Engine(
    loaders=[
        (
            "django.template.loaders.locmem.Loader",
            {"one.html": "[one {{ user.username }}]", "two.html": "[two]"},
        )
    ],
    libraries={"shared_cache": "sitecache.templatetags.shared_cache"},
)


def test_a_slot_renders_the_parts_registered_for_it(monkeypatch):
    monkeypatch.setattr(shells, "_slot_parts", {})
    shells.register_part("actions", "one.html")
    shells.register_part("actions", "two.html")
    shells.register_part("actions", "one.html")  # once only
    page = ENGINE.from_string(
        "{% load shared_cache %}"
        '<{% peruser_slot "actions" %}|{% peruser_slot "none" %}>'
    )
    html = page.render(Context({"user": User("ann")}))
    assert html == "<[one ann][two]|>"
    # In a shell, each part is a marker filled per request (sitecache.shells).
    recording = shells.Recording()
    shell = page.render(Context({"user": User("ann"), shells.RECORDING: recording}))
    assert recording.templates == ["one.html", "two.html"]
    assert "ann" not in shell


def test_a_slot_cannot_sit_inside_a_shared_fragment():
    with pytest.raises(TemplateSyntaxError):
        ENGINE.from_string(
            "{% load shared_cache %}{% sharedcache 'x' %}"
            "{% peruser_slot 'actions' %}{% endsharedcache %}"
        )


def test_a_decoration_outside_a_request_renders_nothing():
    page = ENGINE.from_string('{% load shared_cache %}[{% decoration "spy" 1 %}]')
    assert page.render(Context({})) == "[]"
    request = RequestFactory().get("/")
    assert page.render(Context({"request": request})) == (
        f"[{decorations.marker('spy', 1)}]"
    )


# --- Through the site: shells, fragments and the response cache --------------------


def test_users_share_the_stored_shell_and_fragment_and_get_their_own_ticks(
    course, enrolled, instructor, spy
):
    modules = modules_of(course)
    pages = {}
    for user in (enrolled, instructor, enrolled):
        response = login(user).get(modules[0].url)
        assert response.status_code == 200
        pages[user.username] = response.content.decode()
    assert spy == [[str(each.pk) for each in modules]] * 3  # once a request
    for name, html in pages.items():
        for module in modules:
            assert f'<b class="who">{name}:{module.pk}</b>' in html
        assert "<!--deco:" not in html
    assert "student:" not in pages["instructor"]
    assert "instructor:" not in pages["student"]

    stored = [(key, text_of(value)) for key, value in stored_values()]
    shells = [text for key, text in stored if ":page-shell:" in key]
    fragments = [text for key, text in stored if ":fragment:module:" in key]
    assert len(shells) == 2 and len(fragments) == 2  # the cache's copy and ours
    for text in shells + fragments:
        assert decorations.marker("module-done", modules[0].pk) in text
    for _key, text in stored:
        assert 'class="who"' not in text
        assert "student:" not in text and "instructor:" not in text


def test_an_anonymous_hit_keeps_its_markers_stored_and_serves_none(
    course, enrolled, spy
):
    real = decorations.marker("spy", 1)
    course.overview = f"<p>Overview {real} and {FAKE}</p>"
    course.save_revision().publish()
    visitor = Client()
    answers = [visitor.get(course.url) for _ in range(2)]
    assert [each["X-Educa-Cache"] for each in answers] == ["miss", "hit"]
    for answer in answers:
        html = answer.content.decode()
        assert "<p>Overview  and " in html  # the real marker: removed
        assert FAKE in html  # the look-alike: left as it is
        assert int(answer["Content-Length"]) == len(answer.content)
    assert spy == []
    stored = [text_of(value) for key, value in stored_values() if ":response:" in key]
    assert stored and all(real in text for text in stored)

    # A student reading the same course is filled for, from the same fragment.
    html = login(enrolled).get(course.url).content.decode()
    assert '<p>Overview <b class="who">student:1</b> and ' in html
    assert FAKE in html


def test_a_page_without_markers_is_not_rewritten(client, catalog, monkeypatch):
    rewritten = []
    fill = decorations.fill_content

    def spy_fill(request, content, charset="utf-8"):
        result = fill(request, content, charset)
        rewritten.append(result is not None)
        return result

    monkeypatch.setattr(decorations, "fill_content", spy_fill)
    assert client.get(catalog.url).status_code == 200
    assert rewritten == [False]
