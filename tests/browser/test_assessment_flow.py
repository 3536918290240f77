# ruff: noqa: S101, S105 - pytest asserts, a test password (pyproject ignores them only under */tests/*)
"""An assignment from hand-in to grade, as the people involved click through it.

A student hands in a text and a file from the module page; the course's instructor
grades it in the Wagtail admin's "Grades" screens and exports the gradebook; the
student reads the grade and the feedback; a file of the wrong type is refused with
the reason under the field. Every page on the way passes axe-core's audit.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assessment.grades import save_grade
from assessment.models import AssignmentGrade, Submission, SubmissionFile
from classroom.models import Enrollment
from demo.factories import ModulePageFactory
from tests.browser.sessions import log_in, log_in_to_admin

# UserFactory's password: the `instructor` fixture logs in to the admin with it.
PASSWORD = "pass-word-123"
ESSAY_TEXT = "Both sides of an equation weigh the same."
FEEDBACK = "Clear and correct. Show one worked example next time."
ESSAY_FILE = b"My essay, as a file.\n"

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Handed-in files go to a folder of the test's own, served by the app."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROTECTED_FILES_ACCEL_PREFIX = ""
    return settings.MEDIA_ROOT


def stored_files(root):
    folder = root / "submissions"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def essay_value(**changes):
    value = {
        "title": "Write an essay",
        "instructions": "<p>Explain <b>why</b> equations balance.</p>",
        "due": (timezone.now() + timedelta(days=7)).isoformat(),
        "points": "10",
        "hand_in": "both",
        "file_types": "pdf, txt",
        "max_size": 1,
        "late": False,
    }
    value.update(changes)
    return value


@pytest.fixture
def module(course):
    return ModulePageFactory(
        parent=course,
        title="Essay",
        body=[
            {"type": "text", "value": "<p>Read this first.</p>"},
            {"type": "assignment", "id": "essay", "value": essay_value()},
        ],
    )


def hand_in(student, module, text=ESSAY_TEXT, name="essay.txt"):
    """A hand-in through the site's own form (what the first test does by hand)."""
    client = Client()
    client.force_login(student)
    upload = SimpleUploadedFile(name, ESSAY_FILE, "text/plain")
    response = client.post(
        reverse("assignment", args=[module.pk, "essay"]),
        {"text": text, "files": [upload]},
    )
    assert response.status_code == 303, response.content.decode()[:2000]
    return Submission.objects.get(student=student, module=module)


def assignment_block(page):
    return page.get_by_role("region", name="Assignment Write an essay")


def test_student_hands_in_a_text_and_a_file(
    page, live_server, course, module, student, tmp_path, media_root
):
    Enrollment.objects.create(student=student, course=course)
    essay = tmp_path / "my-essay.txt"
    essay.write_bytes(b"Equations balance because both sides are equal.\n")
    log_in(page, live_server, student)

    page.goto(live_server.url + module.url)
    block = assignment_block(page)
    expect(block).to_contain_text("10 points")
    expect(block).to_contain_text(
        "Hand in a text and files (pdf, txt, up to 1 MB each)"
    )
    expect(block.locator(".assignment-status")).to_have_text("Not handed in yet")
    block.get_by_role("link", name="Hand in your work for Write an essay").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Write an essay")
    expect(page.get_by_role("heading", name="Hand in your work")).to_be_visible()
    expect(page.get_by_text("Nothing yet.")).to_be_visible()
    page.get_by_label("Your answer").fill(ESSAY_TEXT)
    files = page.get_by_label("Your files")
    expect(files).to_have_attribute("accept", ".pdf,.txt")
    files.set_input_files(essay)
    page.get_by_role("button", name="Hand in").click()

    expect(page.get_by_role("status")).to_have_text("Your work was handed in.")
    handed_in = page.get_by_role("region", name="What you handed in")
    entry = handed_in.get_by_role("listitem").first
    expect(entry).to_contain_text("(on time)")
    expect(entry).to_contain_text(ESSAY_TEXT)
    expect(entry.get_by_role("link", name="my-essay.txt")).to_be_visible()
    # The form is there again, to hand in a newer version.
    expect(page.get_by_role("heading", name="Hand in again")).to_be_visible()

    submission = Submission.objects.get(student=student, module=module)
    assert submission.text == ESSAY_TEXT
    assert not submission.late
    [handed_in_file] = submission.files.all()
    assert handed_in_file.name == "my-essay.txt"
    assert len(stored_files(media_root)) == 1

    # The student's own file comes back as they handed it in.
    with page.expect_download() as download_info:
        entry.get_by_role("link", name="my-essay.txt").click()
    download = download_info.value
    assert download.suggested_filename == "my-essay.txt"
    assert download.path().read_bytes() == essay.read_bytes()

    page.get_by_role("link", name="Back to Essay").click()
    status = assignment_block(page).locator(".assignment-status")
    expect(status).to_contain_text(re.compile(r"^Handed in \d"))
    expect(status).not_to_contain_text("late")


def test_instructor_grades_the_hand_in_and_exports_the_gradebook(
    page, live_server, course, module, student, instructor
):
    Enrollment.objects.create(student=student, course=course)
    submission = hand_in(student, module)
    base = live_server.url
    log_in_to_admin(page, base, instructor.username, PASSWORD)

    page.get_by_role("link", name="Grades").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grades")
    courses = page.get_by_role("table", name=re.compile("Your courses"))
    row = courses.get_by_role("row", name=re.compile("Algebra"))
    expect(row.locator(".ungraded-count")).to_have_text("1")
    expect(row.get_by_role("link", name="Gradebook of Algebra")).to_be_visible()
    row.get_by_role("link", name="Algebra", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Grading queue")
    queue = page.get_by_role("table", name=re.compile("Latest hand-ins"))
    hand_in_row = queue.get_by_role("row", name=re.compile("student"))
    expect(hand_in_row).to_contain_text("Write an essay")
    hand_in_row.get_by_role("link", name="Grade student's “Write an essay”").click()

    work = page.get_by_role("region", name="The work")
    expect(work).to_contain_text(ESSAY_TEXT)
    with page.expect_download() as handed_in_file:
        work.get_by_role("link", name="essay.txt").click()
    assert handed_in_file.value.path().read_bytes() == ESSAY_FILE
    page.get_by_label("Points").fill("8")
    page.get_by_label("Feedback").fill(FEEDBACK)
    page.get_by_role("button", name="Save grade").click()

    expect(page.get_by_text("Graded student's “Write an essay”.")).to_be_visible()
    expect(page.get_by_text("Nothing waits for a grade.")).to_be_visible()
    grade = AssignmentGrade.objects.get(student=student, module=module)
    assert grade.points == Decimal("8")
    assert grade.feedback == FEEDBACK
    assert grade.submission == submission
    assert grade.graded_by == instructor

    page.get_by_role("link", name="Gradebook").click()
    book = page.get_by_role("table", name=re.compile("Every student's points"))
    student_row = book.get_by_role("row", name=re.compile("^student"))
    cell = student_row.get_by_role(
        "link",
        name=re.compile(r"^8(\.00)? points for student on “Write an essay”: override$"),
    )
    expect(cell).to_be_visible()
    expect(student_row).to_contain_text(re.compile(r"8(\.00)? / 10"))
    expect(student_row).to_contain_text("80")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export grades (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"grades-{course.slug}.csv"
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert rows[0] == [
        "Username",
        "Email",
        "Write an essay (Essay, /10)",
        "Total",
        "Max",
        "Percent",
        "Passed",
    ]
    assert rows[1][:3] == ["student", "student@example.com", "8"]
    assert rows[1][3:5] == ["8", "10"]
    assert Decimal(rows[1][5]) == Decimal("80")
    assert len(rows) == 2


def test_student_reads_the_grade_and_the_feedback(
    page, live_server, course, module, student, instructor
):
    Enrollment.objects.create(student=student, course=course)
    save_grade(hand_in(student, module), Decimal("8"), FEEDBACK, instructor)
    log_in(page, live_server, student)

    page.goto(live_server.url + module.url)
    block = assignment_block(page)
    expect(block.locator(".assignment-status")).to_have_text(
        f"Graded: 8 / 10 · Feedback: {FEEDBACK}"
    )
    block.get_by_role("link", name="Hand in your work for Write an essay").click()
    grade = page.get_by_role("region", name="Your grade")
    expect(grade).to_contain_text("8 / 10")
    expect(grade).to_contain_text(FEEDBACK)

    # The assignment's page links to all of them (so does the header's "My grades").
    grade.get_by_role("link", name="All your grades").click()
    expect(page).to_have_url(live_server.url + reverse("student_grades"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My grades")
    table = page.get_by_role("table", name="Grades in Algebra")
    row = table.get_by_role("row", name=re.compile("^Write an essay"))
    expect(row.get_by_role("cell").nth(0)).to_contain_text(
        re.compile(r"\b8(\.00)? / 10\b")
    )
    expect(row.get_by_role("cell").nth(1)).to_have_text(FEEDBACK)
    total = table.get_by_role("row", name=re.compile("^Course total"))
    expect(total).to_contain_text(re.compile(r"8(\.00)? / 10 \(80(\.00)?%\)"))
    expect(total).to_contain_text("Passed")

    row.get_by_role("link", name="Write an essay").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Essay")
    expect(assignment_block(page).locator(".assignment-status")).to_contain_text(
        "Graded: 8 / 10"
    )
    page.get_by_role("link", name="My grades").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My grades")


def test_a_file_of_the_wrong_type_is_refused_under_its_field(
    page, live_server, course, module, student, tmp_path, media_root
):
    Enrollment.objects.create(student=student, course=course)
    program = tmp_path / "drawing.exe"
    program.write_bytes(b"MZ not really a program\n")
    log_in(page, live_server, student)

    page.goto(live_server.url + module.url)
    assignment_block(page).get_by_role(
        "link", name="Hand in your work for Write an essay"
    ).click()
    page.get_by_label("Your answer").fill(ESSAY_TEXT)
    page.get_by_label("Your files").set_input_files(program)
    page.get_by_role("button", name="Hand in").click()

    # The refusal is said first, where the keyboard lands, and the title says it.
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing was handed in.")
    expect(page).to_have_title(re.compile("^Not handed in: Write an essay"))

    # The reason is the field's own: under it, and read out with it.
    files = page.get_by_label("Your files")
    error = page.get_by_text(
        "“drawing.exe” is not an allowed type (allowed: pdf, txt)."
    )
    expect(error).to_be_visible()
    expect(files).to_have_attribute("aria-invalid", "true")
    expect(files).to_have_accessible_description(
        re.compile(r"not an allowed type \(allowed: pdf, txt\)")
    )
    assert (
        error.bounding_box()["y"]
        >= files.bounding_box()["y"] + files.bounding_box()["height"]
    )
    summary.get_by_role("link", name="Your files").click()
    expect(files).to_be_focused()

    # What was typed stays; nothing was handed in or stored.
    expect(page.get_by_label("Your answer")).to_have_value(ESSAY_TEXT)
    expect(page.get_by_role("region", name="What you handed in")).to_contain_text(
        "Nothing yet."
    )
    assert not Submission.objects.exists()
    assert not SubmissionFile.objects.exists()
    assert stored_files(media_root) == []
