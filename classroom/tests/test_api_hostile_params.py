"""Every Wagtail API v2 endpoint (and the DRF lists) against hostile parameters.

Each known query parameter of each endpoint gets each hostile value, on listing,
detail and find; the answer must be 200 or 4xx with a JSON body, never a 5xx or
an HTML page. Values are sent already percent-encoded, as a client could.
"""

import pytest
from wagtail.api.v2.views import PagesAPIViewSet

from learning.api import api_router

HOSTILE = [
    "%00",
    "a%00b",
    "99999999999999999999",
    "-99999999999999999999",
    "-1",
    "0",
    "1.5",
    "1e400",
    "bogus",
    "null",
    "",
    "*",
    "-",
    "%ED%A0%80",  # a lone surrogate as UTF-8: not valid UTF-8
    "%5Cud800",  # the text \ud800
    "%F0%9F%92%A9",
    "%0A",
    "x" * 4000,
    "a,b,,c",
    "(",
]
# Query parameters the filters read besides each viewset's known ones.
FIELD_PARAMS = {"id", "title", "slug", "tags", "type", "show_in_menus"}
ENDPOINTS = sorted(api_router._endpoints)  # pages, images, documents, media
HOSTILE_PATHS = [
    "/api/v2/pages/%0A/",
    "/api/v2/pages/1%0A/",
    "/api/v2/%0A/",
    "/api/v2/pages/%00/",
    "/api/v2/pages/99999999999999999999/",
    "/api/v2/images/-1/",
    "/api/v2/pages/find/%0A/",
    "/api/%0A/",
    "/api/courses/%0A/",
]


def params_of(endpoint):
    viewset = api_router._endpoints[endpoint][1]
    names = set(viewset.known_query_parameters) | FIELD_PARAMS
    if issubclass(viewset, PagesAPIViewSet):
        names |= {"html_path"}
    return sorted(names)


def failure(response):
    """Why this answer is wrong, or None: 200/302/4xx with a JSON body is right."""
    status = response.status_code
    if not (status in (200, 302) or 400 <= status < 500):
        return status
    if status == 302:  # find's redirect to the detail view
        return None
    if not response["Content-Type"].startswith("application/json"):
        return f"{status} {response['Content-Type']}"
    try:
        response.json()
    except ValueError:
        return f"{status} not JSON"
    return None


def assert_all_answered(api, urls):
    """Ask every URL, then report every wrong answer at once."""
    wrong = {}
    for url in urls:
        try:
            reason = failure(api.get(url))
        except Exception as exc:  # the test client re-raises what made a 500
            reason = f"500 {type(exc).__name__}: {exc}"
        if reason is not None:
            wrong[url[:120]] = reason
    assert not wrong


@pytest.fixture
def objects(course, image, document, media):
    """One object of each endpoint, for the detail views."""
    return {
        "pages": course.pk,
        "images": image.pk,
        "documents": document.pk,
        "media": media.pk,
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_listing_answers_hostile_parameters_without_a_server_error(
    api, objects, endpoint
):
    urls = [
        f"/api/v2/{endpoint}/?{name}={value}"
        for name in params_of(endpoint)
        for value in HOSTILE
    ]
    for value in HOSTILE:  # two at once
        urls += [
            f"/api/v2/{endpoint}/?search=x&search_operator={value}",
            f"/api/v2/{endpoint}/?search={value}&order=title",
            f"/api/v2/{endpoint}/?offset={value}&limit=20",
        ]
    assert_all_answered(api, urls)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_detail_and_find_answer_hostile_parameters_without_a_server_error(
    api, objects, endpoint
):
    urls = []
    for value in HOSTILE:
        urls += [
            f"/api/v2/{endpoint}/{objects[endpoint]}/?fields={value}",
            f"/api/v2/{endpoint}/{objects[endpoint]}/?x={value}",
            f"/api/v2/{endpoint}/find/?id={value}",
            f"/api/v2/{endpoint}/find/?html_path={value}",
            f"/api/v2/{endpoint}/find/?html_path=/courses/{value}/",
        ]
    assert_all_answered(api, urls)


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_hostile_paths_answer_json(api, db, path):
    response = api.get(path)

    assert 400 <= response.status_code < 500
    assert failure(response) is None


@pytest.mark.parametrize("endpoint", ["courses", "subjects"])
def test_drf_lists_answer_hostile_parameters_without_a_server_error(
    api, course, endpoint
):
    assert_all_answered(
        api,
        [
            f"/api/{endpoint}/?{name}={value}"
            for name in ("page", "page_size", "subject", "search", "format", "x")
            for value in HOSTILE
        ],
    )
