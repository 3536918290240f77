"""What a course says about itself: level, hours, language, outcomes,
prerequisites, and its cover's description."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from PIL import Image as PILImage

from demo.factories import CoursePageFactory, ImageFactory, SubjectPageFactory
from learning.models import CoursePage

pytestmark = pytest.mark.django_db

OUTCOMES = "Solve linear equations\n\n  Draw a graph  \n"


@pytest.fixture
def described(catalog, instructor):
    subject = SubjectPageFactory(parent=catalog, title="Mathematics")
    return CoursePageFactory(
        parent=subject,
        title="Algebra",
        owner=instructor,
        image=ImageFactory(title="IMG_2041.png"),
        cover_alt="A blackboard covered in equations",
        level="intermediate",
        estimated_hours=12,
        language="es",
        outcomes=OUTCOMES,
        prerequisites="Fractions.\nNegative numbers.",
    )


def test_a_cover_needs_its_description(catalog, instructor):
    subject = SubjectPageFactory(parent=catalog)
    course = CoursePageFactory.build(title="Drawing", image=ImageFactory())
    course.cover_alt = "  "
    with pytest.raises(ValidationError) as error:
        subject.add_child(instance=course)
    assert "cover_alt" in error.value.message_dict
    # Without a cover, no description is needed.
    course = CoursePageFactory(parent=subject, title="Painting", owner=instructor)
    assert course.cover_alt == ""


@pytest.mark.parametrize(
    "outcomes", ["\n".join(f"Skill {n}" for n in range(13)), "x" * 201]
)
def test_outcomes_are_a_few_short_lines(described, outcomes):
    described.outcomes = outcomes
    with pytest.raises(ValidationError) as error:
        described.full_clean()
    assert "outcomes" in error.value.message_dict


@pytest.mark.parametrize("hours", [0, 1001])
def test_estimated_hours_are_a_sensible_positive_number(described, hours):
    described.estimated_hours = hours
    with pytest.raises(ValidationError) as error:
        described.full_clean()
    assert "estimated_hours" in error.value.message_dict


def test_level_and_language_take_only_their_choices(described):
    described.level = "expert"
    described.language = "xx"
    with pytest.raises(ValidationError) as error:
        described.full_clean()
    assert {"level", "language"} <= set(error.value.message_dict)


def test_language_defaults_to_english(catalog, instructor):
    course = CoursePageFactory(parent=SubjectPageFactory(parent=catalog))
    assert course.language == "en"
    assert course.get_language_display() == "English"


def test_course_page_shows_its_metadata(client, described):
    html = client.get(described.url).text
    assert "Intermediate" in html
    assert "About 12 hours" in html
    assert "Spanish" in html
    assert "What you will learn" in html
    assert "<li>Solve linear equations</li><li>Draw a graph</li>" in html
    assert "Before you start" in html
    assert "<p>Fractions.<br>Negative numbers.</p>" in html


def test_covers_carry_their_description_never_the_image_title(client, described):
    for url in (described.url, "/courses/"):
        html = client.get(url).text
        assert 'alt="A blackboard covered in equations"' in html, url
        assert "IMG_2041" not in html, url


def test_course_card_shows_level_hours_and_language(client, described):
    html = client.get("/courses/").text
    assert '<span class="course-fact course-level">Intermediate</span>' in html
    assert "About 12 hours" in html


def test_the_api_gives_the_metadata(client, described):
    response = client.get(
        f"/api/v2/pages/{described.pk}/",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["level"] == "intermediate"
    assert data["estimated_hours"] == 12
    assert data["language"] == "es"
    assert data["outcomes"] == ["Solve linear equations", "Draw a graph"]
    assert data["prerequisites"] == "Fractions.\nNegative numbers."
    assert data["cover_alt"] == "A blackboard covered in equations"


def test_the_editor_groups_the_fields_and_asks_for_the_description(
    admin_client, described
):
    html = admin_client.get(f"/admin/pages/{described.pk}/edit/").text
    for field in (
        "cover_alt",
        "level",
        "estimated_hours",
        "language",
        "outcomes",
        "prerequisites",
    ):
        assert f'name="{field}' in html, field
    assert "Cover image" in html
    assert "About the course" in html


def test_demo_courses_are_described_and_their_covers_hold_no_text():
    call_command("load_demo", stdout=io.StringIO())
    courses = list(CoursePage.objects.all())
    assert len(courses) == 12
    for course in courses:
        assert course.level, course
        assert course.estimated_hours, course
        assert len(course.outcome_list()) >= 3, course
        assert course.prerequisites, course
        assert course.cover_alt and course.cover_alt != course.image.title, course
    assert len({course.language for course in courses}) >= 2
    # The title was drawn in white at the top left; a cover now has nothing white
    # there (its white circles are at the bottom right).
    with course.image.file.open() as stored:
        picture = PILImage.open(stored).convert("RGB")
        top_left = picture.crop((0, 0, picture.width // 2, picture.height // 3))
        assert (255, 255, 255) not in {
            colour for _n, colour in top_left.getcolors(10**6)
        }
