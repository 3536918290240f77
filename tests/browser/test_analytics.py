# ruff: noqa: S101, S105 - pytest asserts, a test password (pyproject ignores them only under */tests/*)
"""An instructor opens their course's analytics from the admin menu, reads the
charts and the tables under them, and downloads a table as CSV.

Drives Debian's Chromium against pytest-django's live server (every page is
audited with axe-core, see tests/browser/accessibility.py), in the admin's light
theme and in its dark one.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import QuizAttempt
from classroom.models import Enrollment, ModuleCompletion
from demo.factories import ModulePageFactory, UserFactory
from tests.browser.sessions import log_in_to_admin

# UserFactory's password: the `instructor` fixture logs in to the admin with it.
PASSWORD = "pass-word-123"

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def quiz_body():
    question = {
        "type": "true_false",
        "id": "q1",
        "value": {"prompt": "<p>Is 2 + 2 = 4?</p>", "answer": "true", "points": "1"},
    }
    return [
        {
            "type": "quiz",
            "id": "quiz-1",
            "value": {
                "title": "Warm-up quiz",
                "instructions": "",
                "attempts": 0,
                "time_limit": None,
                "pass_mark": "50",
                "grade_method": "highest",
                "shuffle_questions": False,
                "shuffle_choices": False,
                "draw": None,
                "feedback": "each",
                "pass_to_complete": False,
                "questions": [question],
            },
        }
    ]


@pytest.fixture
def taught(course):
    """`course` (two modules) and a third with a quiz; three students: one who
    finished everything, one who stopped after the first module three weeks ago,
    and one who never did anything."""
    first, second = course.get_children().specific().order_by("path")
    third = ModulePageFactory(parent=course, title="Practice", body=quiz_body())
    now = timezone.now()
    for name, done, days in [("ada", 3, 1), ("bo", 1, 21), ("cy", 0, None)]:
        student = UserFactory(username=name)
        enrollment = Enrollment.objects.create(student=student, course=course)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            created=now - timedelta(days=40)
        )
        for module in [first, second, third][:done]:
            ModuleCompletion.objects.create(
                student=student, module=module, course=course
            )
        ModuleCompletion.objects.filter(student=student).update(
            completed=now - timedelta(days=days or 0)
        )
        if done:
            right = done == 3
            QuizAttempt.objects.create(
                student=student,
                module=third,
                course=course,
                block_id="quiz-1",
                number=1,
                snapshot={"settings": {}, "questions": []},
                started_at=now - timedelta(days=days, minutes=5),
                submitted_at=now - timedelta(days=days),
                score=Decimal(int(right)),
                max_score=Decimal(1),
                passed=right,
                results=[
                    {
                        "id": "q1",
                        "points": "1" if right else "0",
                        "max": "1",
                        "outcome": "right" if right else "wrong",
                        "feedback": [],
                    }
                ],
            )
    return course


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_instructor_reads_the_analytics_and_downloads_a_table(
    page, live_server, taught, instructor, scheme
):
    page.emulate_media(color_scheme=scheme)
    base = live_server.url
    log_in_to_admin(page, base, instructor.username, PASSWORD)

    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Analytics")
    courses = page.get_by_role("table", name="Your courses and their analytics")
    row = courses.get_by_role("row", name=re.compile("Algebra"))
    expect(row.locator(".enrolled-count")).to_have_text("3")
    row.get_by_role("link", name=re.compile(r"^Algebra\s+analytics$")).click()

    page.wait_for_url(f"{base}/admin/analytics/course/{taught.pk}/")
    expect(
        page.get_by_text("3 students enrolled · 3 published modules")
    ).to_be_visible()
    for name in [
        "Enrollments per week",
        "Students who completed each module",
        "Drop-off between consecutive modules",
        "Students by time since their last activity",
        "Pass rate of each quiz",
        "Share of right answers to each question",
    ]:
        expect(
            page.get_by_role("img", name=re.compile(f"^{re.escape(name)}"))
        ).to_be_visible()

    funnel = page.get_by_role("table", name=re.compile("^Students who completed each"))
    expect(
        funnel.get_by_role("row", name=re.compile(r"^1\. Equations"))
    ).to_contain_text("2")
    expect(
        funnel.get_by_role("row", name=re.compile(r"^3\. Practice"))
    ).to_contain_text("33.3")
    quizzes = page.get_by_role("table", name=re.compile("^Each quiz"))
    expect(
        quizzes.get_by_role("row", name=re.compile("^Warm-up quiz"))
    ).to_contain_text("50.0")
    inactive = page.get_by_role("table", name=re.compile("^Students inactive"))
    expect(inactive.get_by_role("row", name=re.compile("^bo"))).to_contain_text("21")
    expect(inactive.get_by_role("row", name=re.compile("^cy"))).to_contain_text("never")
    expect(inactive.get_by_role("row", name=re.compile("^ada"))).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role(
            "link", name="Download “Students reaching each module” (CSV)"
        ).click()
    download = download_info.value
    assert download.suggested_filename == f"analytics-funnel-{taught.slug}.csv"
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert rows == [
        ["Module", "Completed it", "Share of enrolled (%)"],
        ["1. Equations", "2", "66.7"],
        ["2. Inequalities", "1", "33.3"],
        ["3. Practice", "1", "33.3"],
    ]
