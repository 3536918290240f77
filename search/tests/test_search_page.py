"""The /search/ page: grouping, the snippet rule, filters, paging, odd input."""

import pytest
from django.urls import reverse

from demo.factories import UserFactory
from search.queries import SEARCH_PAGE_SIZE, site_search

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("search")
# Words of the Equations module's body: only readers of the course may see them.
MODULE_TEXT = "formula solves"


def search(client, **params):
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_results_group_the_matched_modules_under_their_course(
    client, algebra, instructor
):
    client.force_login(instructor)

    html = search(client, q="quadratic negatives")

    assert html.count('class="result-course"') == 1
    assert html.count('class="result-module"') == 2
    assert ">Equations</a>" in html
    assert ">Inequalities</a>" in html
    assert "The <mark>quadratic</mark> formula solves" in html


@pytest.mark.parametrize("who", ["anonymous", "student", "other_instructor"])
def test_outsiders_see_the_course_and_its_public_module_matches_only(
    client, algebra, who
):
    if who != "anonymous":
        client.force_login(UserFactory(username=who))

    # "Equations" is a module title: the course page shows it to everyone.
    html = search(client, q="equations")

    assert f'href="{algebra.url}"' in html
    assert "Symbols and the rules for them." in html
    assert MODULE_TEXT not in html
    assert 'class="result-module"' not in html
    assert "Matched in 1 module of this course" in html


def test_enrolled_student_sees_the_module_snippet(client, algebra, student, enroll):
    enroll(student, algebra)
    client.force_login(student)

    html = search(client, q="quadratic")

    assert MODULE_TEXT in html
    module = algebra.get_children().get(title="Equations")
    assert f'href="{module.url}"' in html


def test_module_text_is_escaped_in_snippets(client, algebra, make_module):
    make_module(algebra, "Escaping", "Write &lt;script&gt;alert(1)&lt;/script&gt; fox")
    client.force_login(algebra.owner)

    html = search(client, q="fox")

    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>fox</mark>" in html
    assert "<script>alert(1)" not in html


def test_course_overview_snippet_is_highlighted(client, algebra):
    html = search(client, q="symbols")

    assert "<mark>Symbols</mark> and the rules for them." in html


def test_subject_filter_keeps_the_query(
    client, algebra, make_subject, make_course, reader
):
    client.force_login(reader)  # "quadratic" is in an Algebra module's text
    physics = make_subject("Physics")
    make_course(physics, "Ballistics", "A quadratic path through the air.")

    html = search(client, q="quadratic")
    assert "2 courses found" in html
    assert 'href="?q=quadratic&amp;subject=physics"' in html
    assert 'href="?q=quadratic&amp;subject=mathematics"' in html

    html = search(client, q="quadratic", subject="physics")
    assert "1 course found in Physics" in html
    assert ">Ballistics</a>" in html
    assert ">Algebra</a>" not in html
    assert 'href="?q=quadratic"' in html  # "All subjects"

    by_id = search(client, q="quadratic", subject=str(physics.pk))
    assert "1 course found in Physics" in by_id


def test_unknown_subject_leaves_results_unfiltered(client, algebra):
    html = search(client, q="symbols", subject="no-such-subject\x00")

    assert "1 course found" in html


def test_results_are_paginated_keeping_query_and_subject(client, maths, make_course):
    for n in range(SEARCH_PAGE_SIZE + 2):
        make_course(maths, f"Topology {n}", "Open sets.")

    first = search(client, q="topology", subject="mathematics")
    assert first.count('class="result-course"') == SEARCH_PAGE_SIZE
    assert 'href="?q=topology&amp;subject=mathematics&amp;page=2"' in first

    second = search(client, q="topology", subject="mathematics", page="2")
    assert second.count('class="result-course"') == 2
    assert "Page 2 of 2" in second

    past_the_end = search(client, q="topology", page="99")
    assert "Page 2 of 2" in past_the_end
    assert "Page 1 of 2" in search(client, q="topology", page="not-a-number")


def test_header_search_box_shows_the_query(client, algebra):
    html = search(client, q="quadratic")

    box = html[html.index('id="header-search-q"') :].split(">", 1)[0]
    assert 'value="quadratic"' in box


def test_empty_query_shows_the_form_without_results(client, algebra):
    html = search(client)

    assert 'id="search-q"' in html
    assert 'class="results"' not in html


ODD_QUERIES = [
    '"quadratic',
    '"quadratic"',
    "quadratic AND formula",
    "quadratic OR nothing",
    "NOT quadratic",
    "AND",
    "quadratic*",
    "(quadratic",
    "quad^ratic ~ : - +",
    "q" * 5000,
    "quadratic " * 500,
    "Квадратное уравнение",
    "二次方程式",
    "🎉 🧮",
    "?",
    "'",
    "\\",
    "%_",
    "a\x00quadratic",
    "\x00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_input_gives_a_page_never_an_error(client, algebra, query):
    html = search(client, q=query)

    assert ">Search</h1>" in html
    assert "<script>alert(1)" not in html


def test_quotes_and_operators_are_searched_as_words(client, algebra):
    assert ">Algebra</a>" in search(client, q='"symbols"')
    assert ">Algebra</a>" in search(client, q="symbols AND rules")


def test_cyrillic_words_are_found(client, maths, make_course):
    make_course(maths, "Алгебра", "Квадратное уравнение и его корни.")

    html = search(client, q="Уравнение")

    assert ">Алгебра</a>" in html
    assert "Квадратное <mark>уравнение</mark> и его корни." in html


def test_matching_subjects_are_linked(client, algebra, make_subject):
    astronomy = make_subject("Astronomy", description="Stars and telescopes.")

    html = search(client, q="telescopes")

    assert f'<a href="{astronomy.url}">Astronomy</a>' in html
    assert "0 courses found" in html


def build_courses(maths, make_course, make_module, count):
    for n in range(count):
        course = make_course(maths, f"Course {n}", "Counting queries.")
        for m in range(3):
            make_module(
                course,
                f"Module {n}-{m}",
                "A lesson about zebras.",
                description="Zebras and their stripes.",
            )


# The same budget at both sizes: nothing is fetched per course or per module.
# A signed-in user adds the session, the user, the courses they may read and the
# Wagtail user bar; a visitor the public module matches of the courses shown.
QUERY_BUDGET = {"anonymous": 13, "owner": 22}


@pytest.mark.parametrize("count", [2, SEARCH_PAGE_SIZE])
@pytest.mark.parametrize("who", ["anonymous", "owner"])
def test_results_page_queries_do_not_grow_with_results(
    client,
    maths,
    make_course,
    make_module,
    instructor,
    django_assert_max_num_queries,
    count,
    who,
):
    build_courses(maths, make_course, make_module, count)
    if who == "owner":
        client.force_login(instructor)

    with django_assert_max_num_queries(QUERY_BUDGET[who]):
        html = search(client, q="zebras")

    assert html.count('class="result-course"') == count
    expected_modules = 3 * count if who == "owner" else 0
    assert html.count('class="result-module"') == expected_modules
    if who == "anonymous":
        assert html.count("Matched in 3 modules of this course") == count


def test_site_search_reports_the_query_it_read(algebra, student):
    search = site_search("x" * 5000, student)

    assert len(search.query) == 200
    assert search.total == 0
