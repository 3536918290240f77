"""Taking a quiz: its page, an attempt's form, autosave, submission and result.

The questions reach the student only inside an attempt, from its snapshot without
the answers (`grading.public_questions`); grading happens here, on submission. A
timed attempt has a deadline set by the server when it starts: answers arriving
after it (past a short grace for the network) are not taken, and the attempt is
graded from what was saved by then, also when the student never submits (it is
closed the next time the student opens the quiz).
"""

import json
import random
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from assessment import grading
from assessment.items import find_item
from assessment.models import GradeOverride, QuizAttempt
from classroom.models import Enrollment, ModuleCompletion
from learning.access import can_view_contents

# Time a submission may take to arrive after the deadline (a slow network, the
# timer's own submission).
GRACE = timedelta(seconds=30)
# Largest autosave body taken: a quiz's answers are small.
MAX_SAVE_BYTES = 64 * 1024


def quiz_settings(value):
    """A quiz block's settings, as each attempt's snapshot keeps them."""
    return {
        "attempts": value["attempts"],
        "time_limit": value.get("time_limit"),
        "pass_mark": str(value["pass_mark"]),
        "grade_method": value["grade_method"],
        "feedback": value["feedback"],
        "pass_to_complete": bool(value.get("pass_to_complete")),
    }


def quiz_grade(attempts, settings):
    """The quiz's grade in percent over its submitted attempts, by its method."""
    percents = [a.percent for a in attempts if a.submitted_at and a.percent is not None]
    return grading.aggregate(percents, settings["grade_method"])


def attempts_left(attempts, settings):
    """None for no limit."""
    allowed = settings["attempts"]
    if not allowed:
        return None
    return max(0, allowed - len(attempts))


def feedback_shown(attempt, attempts, settings):
    """Whether an attempt's per-question outcomes and feedback may be shown now."""
    when = settings["feedback"]
    if not attempt.submitted_at or when == "never":
        return False
    if when == "each":
        return True
    left = attempts_left(attempts, settings)
    return left == 0


def accepts_answers(attempt, now=None):
    """Whether answers sent now are taken (the deadline, plus the grace)."""
    now = now or timezone.now()
    return attempt.submitted_at is None and (
        attempt.deadline is None or now <= attempt.deadline + GRACE
    )


def complete_if_passed(attempt):
    """A pass of a quiz that says "pass to complete" marks its module done (never
    undone by a later fail: progress, once made, stays)."""
    settings = attempt.snapshot["settings"]
    # Only students have progress (owners and superusers may try their quizzes).
    if (
        attempt.passed
        and settings.get("pass_to_complete")
        and Enrollment.objects.filter(
            student_id=attempt.student_id, course_id=attempt.course_id
        ).exists()
    ):
        ModuleCompletion.objects.get_or_create(
            student_id=attempt.student_id,
            module_id=attempt.module_id,
            defaults={"course_id": attempt.course_id},
        )


def finish(attempt, answers):
    """Grade `attempt` on `answers` and close it; a pass may complete the module."""
    result = grading.grade(attempt.snapshot, answers)
    settings = attempt.snapshot["settings"]
    attempt.answers = answers
    attempt.submitted_at = timezone.now()
    attempt.score = Decimal(result["score"])
    attempt.max_score = Decimal(result["max"])
    attempt.results = result["results"]
    attempt.passed = Decimal(result["percent"]) >= Decimal(settings["pass_mark"])
    attempt.save()
    complete_if_passed(attempt)
    return attempt


def close_if_expired(attempt):
    """An open attempt past its deadline and the grace: graded from what was
    saved by then."""
    if attempt.submitted_at is None and not accepts_answers(attempt):
        with transaction.atomic():
            locked = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
            if locked.submitted_at is None:
                finish(locked, locked.answers)
            return locked
    return attempt


class QuizAccessMixin(LoginRequiredMixin):
    """The quiz as students see it, for those the access rule lets read it."""

    def quiz(self, module_id, block_id):
        item = find_item(module_id, block_id, "quiz")
        course = item.module.course
        if course is None or not can_view_contents(self.request.user, course):
            raise PermissionDenied("Enroll in the course to take its quizzes.")
        return item, course


class QuizView(QuizAccessMixin, TemplateView):
    """A quiz's page: what it asks, the student's attempts, start or continue."""

    template_name = "assessment/quiz.html"

    def attempts(self, item):
        attempts = list(
            QuizAttempt.objects.filter(
                student=self.request.user, module=item.module, block_id=item.block_id
            ).order_by("number")
        )
        return [close_if_expired(attempt) for attempt in attempts]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item, course = self.quiz(kwargs["module_id"], kwargs["block_id"])
        attempts = self.attempts(item)
        settings = quiz_settings(item.value)
        grade = quiz_grade(attempts, settings)
        override = (
            GradeOverride.objects.filter(
                student=self.request.user, module=item.module, block_id=item.block_id
            )
            .order_by("at", "pk")
            .last()
        )
        context.update(
            override=override,
            item=item,
            quiz=item.value,
            module=item.module,
            course=course,
            attempts=attempts,
            open_attempt=next((a for a in attempts if a.submitted_at is None), None),
            left=attempts_left(attempts, settings),
            grade=grade,
            passed=grade is not None and grade >= Decimal(settings["pass_mark"]),
            summary=settings,
        )
        return context

    def post(self, request, module_id, block_id):
        item, course = self.quiz(module_id, block_id)
        attempts = self.attempts(item)
        open_attempt = next((a for a in attempts if a.submitted_at is None), None)
        if open_attempt is not None:
            return redirect("quiz_attempt", open_attempt.pk)
        snapshot = grading.build_snapshot(item.value, random.SystemRandom())
        if attempts_left(attempts, snapshot["settings"]) == 0:
            messages.error(request, "You have used every attempt of this quiz.")
            return redirect("quiz", module_id, block_id)
        minutes = snapshot["settings"].get("time_limit")
        now = timezone.now()
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    student=request.user,
                    module=item.module,
                    course=course,
                    block_id=item.block_id,
                    number=len(attempts) + 1,
                    started_at=now,
                    deadline=now + timedelta(minutes=minutes) if minutes else None,
                    snapshot=snapshot,
                )
        except IntegrityError:
            # Started meanwhile (another tab): continue that one.
            attempt = QuizAttempt.objects.filter(
                student=request.user,
                module=item.module,
                block_id=item.block_id,
                submitted_at__isnull=True,
            ).first()
            if attempt is None:
                return redirect("quiz", module_id, block_id)
        return redirect("quiz_attempt", attempt.pk)


class AttemptMixin(LoginRequiredMixin):
    def attempt(self, pk, lock=False):
        """The student's own attempt; nobody else's exists for them (404)."""
        queryset = QuizAttempt.objects.select_related("module")
        if lock:
            queryset = queryset.select_for_update()
        attempt = get_object_or_404(queryset, pk=pk, student=self.request.user)
        course = attempt.module.specific.course
        if not attempt.module.live or course is None:
            raise Http404("No such quiz.")
        if not can_view_contents(self.request.user, course):
            raise PermissionDenied("Enroll in the course to take its quizzes.")
        return attempt


class AttemptView(AttemptMixin, TemplateView):
    """An attempt: its form while open, its result once submitted."""

    def get_template_names(self):
        if self.object.submitted_at is None:
            return ["assessment/attempt.html"]
        return ["assessment/attempt_result.html"]

    def get(self, request, pk):
        self.object = close_if_expired(self.attempt(pk))
        return super().get(request, pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attempt = self.object
        settings = attempt.snapshot["settings"]
        quiz_url = reverse("quiz", args=[attempt.module_id, attempt.block_id])
        context.update(attempt=attempt, settings=settings, quiz_url=quiz_url)
        if attempt.submitted_at is None:
            context["questions"] = form_questions(attempt)
            if attempt.deadline:
                left = (attempt.deadline - timezone.now()).total_seconds()
                context["seconds_left"] = max(0, int(left))
            return context
        attempts = list(
            QuizAttempt.objects.filter(
                student_id=attempt.student_id,
                module_id=attempt.module_id,
                block_id=attempt.block_id,
            ).order_by("number")
        )
        context.update(
            show_feedback=feedback_shown(attempt, attempts, settings),
            results=result_rows(attempt),
            left=attempts_left(attempts, settings),
        )
        return context

    def post(self, request, pk):
        with transaction.atomic():
            attempt = self.attempt(pk, lock=True)
            if attempt.submitted_at is not None:
                messages.info(request, "This attempt was already submitted.")
                return redirect("quiz_attempt", attempt.pk)
            if accepts_answers(attempt):
                answers = grading.parse_answers(attempt.snapshot, request.POST)
            else:
                # Too late: what was saved by the deadline is what counts.
                answers = attempt.answers
                messages.warning(
                    request,
                    "Time was up: your attempt was graded on the answers saved "
                    "before the deadline.",
                )
            if request.POST.get("action") == "save" and accepts_answers(attempt):
                attempt.answers = answers
                attempt.saved_at = timezone.now()
                attempt.save(update_fields=["answers", "saved_at"])
                messages.success(request, "Your answers are saved.")
                return redirect("quiz_attempt", attempt.pk)
            finish(attempt, answers)
        return redirect("quiz_attempt", attempt.pk)


class AttemptSaveView(AttemptMixin, TemplateView):
    """Autosave (JavaScript): the answers so far, as JSON or a form."""

    http_method_names = ["post"]

    def post(self, request, pk):
        if len(request.body) > MAX_SAVE_BYTES:
            return JsonResponse({"detail": "Too large."}, status=413)
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body)
            except ValueError:
                return JsonResponse({"detail": "Not JSON."}, status=400)
            if not isinstance(data, dict):
                return JsonResponse({"detail": "Expected an object."}, status=400)
        else:
            data = request.POST
        with transaction.atomic():
            attempt = self.attempt(pk, lock=True)
            if not accepts_answers(attempt):
                return JsonResponse(
                    {"detail": "This attempt is closed.", "closed": True}, status=409
                )
            attempt.answers = grading.parse_answers(attempt.snapshot, data)
            attempt.saved_at = timezone.now()
            attempt.save(update_fields=["answers", "saved_at"])
        return JsonResponse({"saved": True, "saved_at": attempt.saved_at.isoformat()})


def form_questions(attempt):
    """The attempt's questions as its form shows them, with what was saved."""
    saved = attempt.answers or {}
    rows = []
    for number, question in enumerate(
        grading.public_questions(attempt.snapshot), start=1
    ):
        answer = saved.get(question["id"])
        row = {**question, "number": number, "field": f"q-{question['id']}"}
        if question["kind"] in ("single_choice", "multiple_choice"):
            picked = answer if isinstance(answer, list) else [answer]
            row["choices"] = [
                {**choice, "checked": choice["id"] in picked, "n": n}
                for n, choice in enumerate(question["choices"])
            ]
        elif question["kind"] == "ordering":
            order = answer if isinstance(answer, list) else []
            items = question["items"]
            row["items"] = [
                {
                    **each,
                    "position": (order.index(each["id"]) + 1)
                    if each["id"] in order
                    else n + 1,
                }
                for n, each in enumerate(items)
            ]
            row["positions"] = list(range(1, len(items) + 1))
        else:
            row["value"] = answer if isinstance(answer, str) else ""
        rows.append(row)
    return rows


def result_rows(attempt):
    """Each question of a submitted attempt with its outcome and feedback."""
    questions = {q["id"]: q for q in grading.public_questions(attempt.snapshot)}
    rows = []
    for number, result in enumerate(attempt.results or [], start=1):
        question = questions.get(result["id"], {})
        rows.append({**result, "number": number, "prompt": question.get("prompt", "")})
    return rows
