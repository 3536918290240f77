"""Assessment's part of the account (assessment.account): attempts, hand-ins and
grades in "Download my data"; their rows and files go with a deleted account."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from assessment.account import export
from assessment.models import AssignmentGrade, QuizAttempt, Submission, SubmissionFile
from classroom import account
from classroom.models import Enrollment

pytestmark = pytest.mark.django_db

SECRET = "the right answer"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def work(enrolled, course):
    """An attempt, a hand-in with a file, and its grade, of `enrolled`."""
    module = course.modules()[0]
    QuizAttempt.objects.create(
        student=enrolled,
        module=module,
        course=course,
        block_id="quiz-1",
        number=1,
        snapshot=[{"id": "q1", "accepted": [SECRET]}],
        answers={"q1": "my answer"},
        score=Decimal("1.5"),
        max_score=Decimal("2"),
        passed=True,
    )
    submission = Submission.objects.create(
        student=enrolled, module=module, course=course, block_id="essay", text="Hi"
    )
    handed_in = SubmissionFile(
        submission=submission, name="essay.txt", size=5, content_type="text/plain"
    )
    handed_in.file.save("essay.txt", ContentFile(b"essay"), save=False)
    handed_in.save()
    AssignmentGrade.objects.create(
        student=enrolled,
        module=module,
        course=course,
        block_id="essay",
        submission=submission,
        points=Decimal("8"),
        feedback="Well argued.",
    )
    return submission


def test_export_has_attempts_hand_ins_and_grades_but_no_answers_key(enrolled, work):
    data = account.export_data(enrolled)["assessment"]

    (attempt,) = data["quiz_attempts"]
    assert attempt["answers"] == {"q1": "my answer"}
    assert (attempt["score"], attempt["passed"]) == (Decimal("1.5"), True)
    assert SECRET not in repr(data)  # the snapshot holds the right answers
    (submission,) = data["submissions"]
    assert submission["text"] == "Hi"
    assert submission["files"] == [
        {"name": "essay.txt", "size": 5, "content_type": "text/plain"}
    ]
    (grade,) = data["assignment_grades"]
    assert (grade["points"], grade["feedback"]) == (Decimal("8"), "Well argued.")


@pytest.mark.parametrize("size", [1, 5])
def test_export_queries_do_not_grow_with_the_rows(
    enrolled, course, work, size, django_assert_max_num_queries
):
    for _ in range(size - 1):
        extra = Submission.objects.create(
            student=enrolled, module=work.module, course=course, block_id="essay"
        )
        SubmissionFile.objects.create(
            submission=extra, file="submissions/x.txt", name="x.txt", size=1
        )
    with django_assert_max_num_queries(4):  # attempts, hand-ins, files, grades
        data = export(enrolled)
    assert len(data["submissions"]) == size


def test_deletion_takes_the_rows_and_the_files_after_commit(
    enrolled, work, media_root, django_capture_on_commit_callbacks
):
    stored = media_root / work.files.get().file.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account.delete_account(enrolled)
        assert stored.exists()  # not before the deletion commits
    for callback in callbacks:
        callback()

    assert not stored.exists()
    assert not QuizAttempt.objects.exists()
    assert not Submission.objects.exists()
    assert not AssignmentGrade.objects.exists()
    assert not Enrollment.objects.exists()
