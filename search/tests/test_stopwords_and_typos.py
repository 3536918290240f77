"""Stopwords, whole-word highlighting, instructors' names, typos and no results.

Typos are tolerated by trigram similarity, which only PostgreSQL has: those tests
run where DATABASE_URL names PostgreSQL; on the embedded SQLite default,
`test_postgresql_parts` runs them again on this machine's PostgreSQL, in a database
of their own (or skips with the reason, and fails under CI=true, when there is none).
"""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from search.queries import (
    highlight,
    is_typo,
    search_courses,
    searched_terms,
    site_search,
)
from tests.postgres_rerun import run_again_on_postgresql

pytestmark = pytest.mark.django_db


def on_postgres(test):
    """Trigrams are PostgreSQL's: on PostgreSQL the test is collected; on SQLite
    it is not, and test_postgresql_parts runs it on PostgreSQL instead (never a
    skip: CI runs every test)."""
    return test if settings.USING_POSTGRES else None


def on_sqlite(test):
    """What only a database without trigrams does."""
    return None if settings.USING_POSTGRES else test


def titles(courses):
    return [course.title for course in courses]


def page_of(client, **params):
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def python(maths, make_course, instructor):
    instructor.first_name, instructor.last_name = "Ada", "Lovelace"
    instructor.save()
    return make_course(maths, "Python programming", "Loops, lists and functions.")


# --- Stopwords -----------------------------------------------------------------


def test_a_query_of_stopwords_only_matches_nothing(algebra, python, reader):
    # "the" is in Algebra's overview: on SQLite it would match.
    search = site_search("the of", reader)

    assert search.only_stopwords
    assert search.total == 0
    assert list(search_courses(None, "the of", reader)) == []


def test_the_page_says_the_words_are_too_common(client, algebra):
    html = page_of(client, q="The of")

    assert "has only very common words" in html
    assert 'class="result-course"' not in html


def test_stopwords_are_left_out_of_a_query_with_other_words(algebra, reader):
    search = site_search("the symbols of algebra", reader)

    assert [result.course.title for result in search.page] == ["Algebra"]
    assert search.terms == ["symbols", "algebra"]
    assert search.ignored == ["the", "of"]


def test_stopwords_are_never_highlighted_inside_other_words(client, algebra):
    # The overview is "Symbols and the rules for them."
    html = page_of(client, q="the rules")

    assert "Symbols and the <mark>rules</mark> for them." in html


def test_searched_terms_drop_stopwords():
    assert searched_terms(["the", "python", "of", "them"]) == ["python"]


# --- Whole words -----------------------------------------------------------------


def test_highlight_marks_whole_words_only():
    snippet = highlight("A cat, two cats and a category.", ["cat"])

    assert snippet == "A <mark>cat</mark>, two <mark>cats</mark> and a category."


def test_highlight_marks_the_singular_of_a_plural_term():
    snippet = highlight("One class, two classes; a classic.", ["classes"])

    assert snippet == "One <mark>class</mark>, two <mark>classes</mark>; a classic."


# --- Instructors by name ---------------------------------------------------------


@pytest.mark.parametrize("name", ["Lovelace", "ada"])
def test_instructors_courses_are_found_by_their_name(python, algebra, name):
    # No user: the public fields only, as for a visitor.
    assert set(titles(search_courses(None, name))) == {
        "Python programming",
        "Algebra",
    }


def test_api_finds_courses_by_their_instructors_name(client, python):
    response = client.get("/api/courses/", {"search": "lovelace"})

    assert [c["title"] for c in response.json()["results"]] == ["Python programming"]


def test_renaming_an_instructor_reindexes_their_courses(python, instructor):
    instructor.last_name = "Byron"
    instructor.save(update_fields=["last_name"])

    assert titles(search_courses(None, "byron")) == ["Python programming"]
    assert titles(search_courses(None, "lovelace")) == []


def test_a_login_does_not_reindex_their_courses(
    python, instructor, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the update of last_login, nothing else
        instructor.save(update_fields=["last_login"])


# --- No results ------------------------------------------------------------------


def test_no_results_page_suggests_the_subjects_and_the_catalogue(
    client, algebra, make_subject
):
    make_subject("Physics")

    html = page_of(client, q="xylophone")

    assert "0 courses found" in html
    assert 'class="search-suggestions"' in html
    assert ">Mathematics</a>" in html
    assert ">Physics</a>" in html
    assert 'href="/courses/"' in html


def test_search_button_is_a_labelled_styled_button(client):
    html = page_of(client)

    assert '<button type="submit" class="button search-button">Search</button>' in html


@on_sqlite
def test_without_trigrams_a_typo_finds_nothing_but_suggests_subjects(
    client, python, reader
):
    assert list(search_courses(None, "pyhton", reader)) == []
    assert ">Mathematics</a>" in page_of(client, q="pyhton")


# --- Typos (PostgreSQL) ------------------------------------------------------------


@on_postgres
def test_trigram_extension_is_created_by_the_search_migration():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()


@on_postgres
def test_a_typo_finds_the_course(algebra, python, reader):
    assert titles(search_courses(None, "pyhton", reader)) == ["Python programming"]

    search = site_search("pyhton", reader)
    assert search.close
    assert search.near == ["python"]
    [result] = search.page
    assert result.course.title == "Python programming"


@on_postgres
def test_a_typo_in_an_instructors_name_finds_their_courses(python):
    assert titles(search_courses(None, "lovelcae")) == ["Python programming"]


@on_postgres
def test_the_page_says_the_results_are_close_words(client, python):
    html = page_of(client, q="pyhton")

    assert "No course has “pyhton”" in html
    assert "1 course with a similar title or instructor (python)" in html
    assert ">Python programming</a>" in html


@on_postgres
def test_api_tolerates_typos_too(client, python):
    response = client.get("/api/courses/", {"search": "pyhton"})

    assert [c["title"] for c in response.json()["results"]] == ["Python programming"]


@on_postgres
def test_an_exact_match_comes_before_any_typo(algebra, python, make_course, maths):
    make_course(maths, "Pyhton the snake", "A misspelt course.")

    assert titles(search_courses(None, "pyhton")) == ["Pyhton the snake"]


@on_postgres
def test_typos_never_reach_module_text(algebra, outsider, reader):
    # "quadratic" is only in a module's text: a typo of it finds nothing, even for
    # those who may read it (typos are matched with public titles and names only).
    assert list(search_courses(None, "quadartic", outsider)) == []
    assert list(search_courses(None, "quadartic", reader)) == []


@on_postgres
def test_no_results_page_suggests_the_closest_titles(client, algebra, python):
    search = site_search("pyhtonista", None)
    assert search.total == 0
    assert titles(search.suggestions) == ["Python programming"]

    html = page_of(client, q="pyhtonista")
    suggested = html[html.index('class="suggested-courses"') :]
    assert ">Python programming</a>" in suggested.split("</ul>", 1)[0]


@on_postgres
def test_a_word_sharing_only_letters_is_no_typo(algebra, reader):
    # "zebra" and "algebra" share trigrams, not a typist's slip.
    assert list(search_courses(None, "zebra", reader)) == []


@pytest.mark.parametrize(
    "term, word, typo",
    [
        ("pyhton", "python", True),  # two letters swapped
        ("lovelcae", "lovelace", True),
        ("algbra", "algebra", True),  # one missing
        ("phisics", "physics", True),  # one wrong
        ("zebra", "algebra", False),  # another first letter
        ("python", "python", False),  # the word itself is no typo
        ("cat", "cut", True),
        ("cat", "cute", False),  # two slips in a short word
        ("geometry", "geography", False),
    ],
)
def test_what_counts_as_a_typo(term, word, typo):
    assert is_typo(term, word) is typo


# --- Running the PostgreSQL parts from SQLite --------------------------------------


@on_sqlite
@pytest.mark.postgres_rerun
def test_postgresql_parts():
    run_again_on_postgresql(__file__)
