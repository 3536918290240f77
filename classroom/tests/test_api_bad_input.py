"""Input the API cannot use answers 4xx with a JSON message, never a 500.

Each of these answered 500 (or an HTML page, or silently fell back) before; several
only on PostgreSQL, where psycopg refuses NUL characters in a query.
"""

import pytest

from classroom.tests.auth import basic

NUL_URLS = [
    "/api/?next=%00",
    "/api/courses/?subject=%00",
    "/api/courses/?search=a%00b",
    "/api/subjects/?page=%00",
    "/api/v2/pages/?search=%00",
    "/api/v2/documents/?search=%00",
    "/api/v2/images/?search=%00",
    "/api/v2/media/?search=%00",
    "/api/v2/pages/find/?html_path=/courses/%00/",
    "/api/v2/pages/?locale=%00",
]


def assert_json_error(response, status):
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body and isinstance(body, dict)
    return body


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_a_query_parameter_is_refused_with_400(api, course, url):
    assert_json_error(api.get(url), 400)


def test_nul_in_my_courses_parameters_is_refused_with_400(api, student):
    response = api.get("/api/me/courses/?page_size=%00", **basic(student))

    assert assert_json_error(response, 400) == {
        "page_size": ["Null characters are not allowed."]
    }


@pytest.mark.parametrize("offset", ["99999999999999999999", "9" * 5000])
def test_offset_beyond_64_bits_is_refused_with_400(api, course, offset):
    body = assert_json_error(api.get(f"/api/v2/pages/?offset={offset}"), 400)

    assert "offset" in body["message"]


@pytest.mark.parametrize("endpoint", ["pages", "images", "documents", "media"])
def test_unknown_search_operator_is_refused_with_400(api, course, endpoint):
    response = api.get(f"/api/v2/{endpoint}/?search=x&search_operator=bogus")

    assert "search_operator" in assert_json_error(response, 400)["message"]


@pytest.mark.parametrize("operator", ["and", "or", "AND"])
def test_known_search_operators_still_search(api, course, operator):
    response = api.get(f"/api/v2/pages/?search=Algebra&search_operator={operator}")

    assert response.status_code == 200


def test_json_body_nested_too_deeply_is_refused_with_400(api, db):
    response = api.post("/api/token/", "[" * 100_000, content_type="application/json")

    assert "nested too deeply" in assert_json_error(response, 400)["detail"]


@pytest.mark.parametrize(
    "path", ["/api/x%0A/", "/api/%0A/", "/api/courses/1%0A/", "/api/v2/pages/%0A/"]
)
def test_newline_in_an_api_path_gets_a_json_404(api, db, path):
    assert assert_json_error(api.get(path), 404) == {"detail": "Not found."}


@pytest.mark.parametrize("size", ["null", "-1", "0", "abc", "1.5", "\u00b2", "%00"])
def test_unreadable_page_size_is_refused_with_400(api, course, size):
    body = assert_json_error(api.get(f"/api/courses/?page_size={size}"), 400)

    assert list(body) == ["page_size"]


@pytest.mark.parametrize("size", ["99999999999999999999", "9" * 5000])
def test_page_size_above_the_maximum_gives_the_maximum(api, course, size):
    response = api.get(f"/api/courses/?page_size={size}")

    assert response.status_code == 200


def test_empty_page_size_means_the_default(api, course):
    response = api.get("/api/courses/?page_size=")

    assert response.status_code == 200
    assert response.json()["count"] == 1
