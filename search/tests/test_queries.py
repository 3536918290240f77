"""What the search finds: courses by their own words and by their modules'."""

import pytest
from wagtail.models import PageViewRestriction

from demo.factories import DocumentFactory, ImageFactory, MediaFactory
from learning.models import CoursePage
from search.queries import (
    MAX_TERMS,
    highlight,
    search_courses,
    site_search,
    terms_of,
)

pytestmark = pytest.mark.django_db


def titles(courses):
    return [course.title for course in courses]


def test_course_is_found_by_a_word_only_in_its_module_text(
    algebra, maths, make_course, reader
):
    make_course(maths, "Geometry", "Shapes, angles and the quadrilateral.")

    assert titles(search_courses(None, "quadratic", reader)) == ["Algebra"]


def test_course_with_the_word_in_its_title_ranks_before_one_with_it_in_a_module(
    algebra, maths, make_course, make_module, reader
):
    other = make_course(maths, "Quadratic functions", "Parabolas everywhere.")
    make_module(other, "Vertex form", "Completing the square.")

    found = titles(search_courses(None, "quadratic", reader))

    assert found == ["Quadratic functions", "Algebra"]


def test_words_spread_over_a_course_and_its_module_still_find_it(algebra, reader):
    # No single page holds both words: the search falls back to any word.
    assert titles(search_courses(None, "symbols quadratic", reader)) == ["Algebra"]


def test_search_courses_keeps_the_callers_filters(
    algebra, make_subject, make_course, reader
):
    physics = make_subject("Physics")
    make_course(physics, "Ballistics", "A quadratic path through the air.")
    in_physics = CoursePage.objects.live().child_of(physics)

    assert titles(search_courses(in_physics, "quadratic", reader)) == ["Ballistics"]
    assert titles(search_courses(None, "quadratic", reader)) == [
        "Ballistics",
        "Algebra",
    ]


def test_search_courses_without_words_finds_nothing(algebra, reader):
    assert list(search_courses(None, "  ?! ", reader)) == []


def test_draft_module_is_never_found(algebra, make_module, reader):
    draft = make_module(algebra, "Cubics", "The discriminant of a cubic.", live=False)
    assert not draft.live

    assert list(search_courses(None, "discriminant", reader)) == []


def test_modules_of_an_unpublished_course_are_never_found(algebra, reader):
    algebra.unpublish()

    assert list(search_courses(None, "quadratic", reader)) == []
    assert list(search_courses(None, "algebra", reader)) == []


def test_course_behind_a_view_restriction_is_never_found(algebra, reader):
    PageViewRestriction.objects.create(
        page=algebra, restriction_type=PageViewRestriction.LOGIN
    )

    assert list(search_courses(None, "quadratic", reader)) == []


def test_image_captions_are_searched(algebra, make_module, reader):
    image = ImageFactory(title="parabola.png")
    make_module(
        algebra,
        "Graphs",
        body=[("image", {"image": image, "caption": "A parabola opening upwards"})],
    )

    assert titles(search_courses(None, "parabola", reader)) == ["Algebra"]


def test_file_titles_and_descriptions_are_searched(algebra, make_module, reader):
    document = DocumentFactory(title="Lagrange handout")
    make_module(
        algebra,
        "Optimisation",
        body=[("file", {"document": document, "description": "Worked exercises"})],
    )

    assert titles(search_courses(None, "lagrange", reader)) == ["Algebra"]
    assert titles(search_courses(None, "exercises", reader)) == ["Algebra"]


def test_video_titles_and_captions_are_searched(algebra, make_module, reader):
    video = MediaFactory(title="Factorising live")
    make_module(
        algebra,
        "Factoring",
        body=[("video", {"media": video, "url": None, "caption": "Recorded lecture"})],
    )

    assert titles(search_courses(None, "factorising", reader)) == ["Algebra"]
    assert titles(search_courses(None, "recorded", reader)) == ["Algebra"]


def test_snippets_show_file_and_video_titles_to_readers(
    algebra, make_module, instructor
):
    document = DocumentFactory(title="Lagrange handout")
    video = MediaFactory(title="Lagrange on video")
    make_module(
        algebra,
        "Optimisation",
        body=[
            ("file", {"document": document, "description": ""}),
            ("video", {"media": video, "url": None, "caption": ""}),
        ],
    )

    [result] = site_search("lagrange", instructor).page

    [match] = result.modules
    assert "<mark>Lagrange</mark> handout" in match.snippet
    assert "<mark>Lagrange</mark> on video" in match.snippet


def test_subjects_are_found_on_the_first_page(algebra, make_subject, student):
    make_subject("Astronomy", description="Stars, planets and telescopes.")

    search = site_search("telescopes", student)

    assert [subject.title for subject in search.matching_subjects] == ["Astronomy"]
    assert search.total == 0


def test_terms_are_words_of_letters_and_digits_in_any_script():
    assert terms_of('"Quadratic" AND (x2) OR NOT -') == [
        "quadratic",
        "and",
        "x2",
        "or",
        "not",
    ]
    assert terms_of("Квадратное уравнение 🎉") == ["квадратное", "уравнение"]
    assert terms_of("a\x00b ... ;--") == ["a", "b"]
    assert len(terms_of(" ".join(f"w{n}" for n in range(100)))) == MAX_TERMS


def test_highlight_escapes_the_text_and_marks_the_terms():
    snippet = highlight('<b>"Quadratic"</b> & equations & amp', ["quadratic", "amp"])

    assert snippet == (
        "&lt;b&gt;&quot;<mark>Quadratic</mark>&quot;&lt;/b&gt; &amp; equations &amp; "
        "<mark>amp</mark>"
    )


def test_highlight_shows_the_text_around_the_first_match():
    text = " ".join(["filler"] * 100 + ["quadratic"] + ["tail"] * 100)

    snippet = highlight(text, ["quadratic"], length=80)

    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>quadratic</mark>" in snippet
    assert len(snippet) < 120


def test_highlight_marks_plurals():
    snippet = highlight("One equation, two equations.", ["equations"])

    assert snippet == "One <mark>equation</mark>, two <mark>equations</mark>."
