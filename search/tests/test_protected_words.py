"""Search never tells those who may not read a course what its modules' text holds.

"quadratic" and "formula" appear only in the body of Algebra's "Equations" module
(search/tests/conftest.py): public are the course's title and overview and its
modules' titles and descriptions (the course page shows them to everyone).
"""

import pytest

from demo.factories import UserFactory
from search.queries import search_courses, site_search

pytestmark = pytest.mark.django_db

BODY_WORD = "quadratic"


@pytest.fixture
def outsiders(other_instructor):
    return {
        "anonymous": None,
        "not_enrolled": UserFactory(username="outsider"),
        "other_instructor": other_instructor,
    }


def search_page(client, user, **params):
    if user is not None:
        client.force_login(user)
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def api_titles(client, user, term):
    if user is not None:
        client.force_login(user)
    response = client.get("/api/courses/", {"search": term})
    assert response.status_code == 200, response.content
    return [course["title"] for course in response.json()["results"]]


@pytest.mark.parametrize("who", ["anonymous", "not_enrolled", "other_instructor"])
def test_a_word_only_in_a_module_body_finds_nothing_for_outsiders(
    client, algebra, outsiders, who
):
    user = outsiders[who]

    html = search_page(client, user, q=BODY_WORD)

    assert "0 courses found" in html
    assert "Matched in" not in html
    assert f'href="{algebra.url}"' not in html
    assert 'class="subject-nav"' not in html  # no subject facet counts it
    assert list(search_courses(None, BODY_WORD, user)) == []
    assert site_search(BODY_WORD, user).subjects == []


@pytest.mark.parametrize("who", ["anonymous", "not_enrolled", "other_instructor"])
def test_the_api_search_finds_nothing_by_a_module_body_word_for_outsiders(
    client, algebra, outsiders, who
):
    assert api_titles(client, outsiders[who], BODY_WORD) == []


@pytest.mark.parametrize("who", ["anonymous", "not_enrolled"])
def test_module_body_words_do_not_change_the_any_word_fallback_for_outsiders(
    algebra, outsiders, who
):
    # With the body searched, "symbols quadratic" would find no page with both
    # words only if the body did not hold "quadratic": the fallback to any word
    # must not depend on it.
    user = outsiders[who]
    with_body_word = site_search("symbols quadratic", user)
    with_unknown_word = site_search("symbols xylophone", user)

    assert with_body_word.total == with_unknown_word.total == 1
    [result] = with_body_word.page
    assert result.hidden_matches == 0
    assert result.modules == []


def test_module_body_words_do_not_rank_courses_for_outsiders(
    algebra, maths, make_course
):
    # Both overviews hold "rules"; only Algebra's module text holds "quadratic".
    make_course(maths, "Logic", "The rules of inference.")

    by_body_word = [c.title for c in search_courses(None, "rules quadratic")]
    by_unknown_word = [c.title for c in search_courses(None, "rules xylophone")]

    assert by_body_word == by_unknown_word


def test_enrolled_student_finds_the_course_by_its_module_body(
    client, algebra, student, enroll
):
    enroll(student, algebra)

    html = search_page(client, student, q=BODY_WORD)

    assert "1 course found" in html
    assert "The <mark>quadratic</mark> formula solves" in html
    assert [c.title for c in search_courses(None, BODY_WORD, student)] == ["Algebra"]


def test_the_api_search_finds_a_module_body_word_for_an_enrolled_student(
    client, algebra, student, enroll
):
    enroll(student, algebra)

    assert api_titles(client, student, BODY_WORD) == ["Algebra"]


def test_a_readers_api_search_is_not_cached_for_others(
    client, algebra, student, enroll
):
    enroll(student, algebra)
    assert api_titles(client, student, BODY_WORD) == ["Algebra"]
    client.logout()
    assert api_titles(client, None, BODY_WORD) == []


def test_owner_and_superuser_find_the_course_by_its_module_body(
    algebra, instructor, superuser
):
    for user in (instructor, superuser):
        [result] = site_search(BODY_WORD, user).page
        assert result.can_view_contents
        assert [match.module.title for match in result.modules] == ["Equations"]


def test_enrolling_elsewhere_reveals_nothing_of_other_courses(
    algebra, maths, make_course, make_module, student, enroll
):
    other = make_course(maths, "Geometry", "Shapes.")
    make_module(other, "Circles", "Nothing quadratic here, honestly.")
    enroll(student, other)

    found = [c.title for c in search_courses(None, BODY_WORD, student)]

    assert found == ["Geometry"]
