"""Wagtail API v2 shows no module of a course that is not live.

`course.unpublish()` leaves the course's modules live (Wagtail unpublishes one page),
so the pages endpoint itself hides them: in listings, detail, find and search.
"""

import pytest


@pytest.fixture
def unpublished(course):
    module = course.modules().first()
    course.unpublish()
    module.refresh_from_db()
    assert module.live  # the premise: Wagtail left the module published
    return module


def listed_ids(api, **params):
    response = api.get("/api/v2/pages/", {"limit": 20, **params})
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


def test_modules_of_an_unpublished_course_are_not_listed(api, course, unpublished):
    assert unpublished.pk not in listed_ids(api)
    assert unpublished.pk not in listed_ids(api, type="learning.ModulePage")
    assert unpublished.pk not in listed_ids(api, search="Equations")


def test_module_of_an_unpublished_course_has_no_detail(api, course, unpublished):
    response = api.get(f"/api/v2/pages/{unpublished.pk}/")

    assert response.status_code == 404
    assert response.json()["message"]


def test_module_of_an_unpublished_course_is_not_found(api, course, unpublished):
    response = api.get("/api/v2/pages/find/", {"html_path": unpublished.url})

    assert response.status_code == 404


def test_modules_of_a_live_course_stay_listed(api, course):
    module = course.modules().first()

    assert module.pk in listed_ids(api, type="learning.ModulePage")
    assert api.get(f"/api/v2/pages/{module.pk}/").status_code == 200
    found = api.get("/api/v2/pages/find/", {"html_path": module.url})
    assert found.status_code == 302
