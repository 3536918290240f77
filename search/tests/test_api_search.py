"""`/api/courses/?search=` answers with the site search's courses, best first."""

import pytest

pytestmark = pytest.mark.django_db


def search_api(client, **params):
    response = client.get("/api/courses/", params)
    assert response.status_code == 200, response.content
    return [course["title"] for course in response.json()["results"]]


def test_api_finds_a_course_by_a_module_title(client, algebra, maths, make_course):
    make_course(maths, "Geometry", "Angles.")

    assert search_api(client, search="inequalities") == ["Algebra"]


def test_api_lists_courses_in_relevance_order(client, algebra, maths, make_course):
    make_course(maths, "Equations of motion", "Parabolas.")

    assert search_api(client, search="equations") == ["Equations of motion", "Algebra"]


@pytest.mark.parametrize("term", ['"quadratic', "NOT AND OR", "я" * 5000, "🎉"])
def test_api_answers_odd_search_terms(client, algebra, term):
    search_api(client, search=term)


def test_api_refuses_a_nul_in_the_search_term(client, algebra):
    response = client.get("/api/courses/", {"search": "x\x00y"})
    assert response.status_code == 400
    assert "search" in response.json()
