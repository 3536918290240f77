#!/usr/bin/env python
"""How long a course's analytics screen takes: `python bench/analytics.py
[--students N] [--modules M] [--runs R]`.

Builds a course of M published modules (every third with a two-question quiz) and
N enrolled students in a database of its own: a SQLite file in a temporary folder,
or, when DATABASE_URL names PostgreSQL, a throw-away database it creates and drops.
Students enroll over a year and complete a prefix of the modules (a funnel), each
quiz they reach gets a submitted attempt, all with bulk_create. Then it renders
`/admin/analytics/course/<pk>/` as the course's owner through Django's test client
and prints the median render time of R runs and the number of queries of one.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educa.settings.test")

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
TEMP = None
if not POSTGRES:
    TEMP = tempfile.mkdtemp(prefix="educa-bench-analytics-")
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMP}/bench.sqlite3"


def quiz_body(n):
    def question(qid):
        return {
            "type": "true_false",
            "id": qid,
            "value": {"prompt": f"<p>Question {qid}?</p>", "answer": "true"},
        }

    return [
        {
            "type": "quiz",
            "id": f"quiz-{n}",
            "value": {
                "title": f"Quiz {n}",
                "pass_mark": "50",
                "questions": [question("q1"), question("q2")],
            },
        }
    ]


def build(students, modules):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assessment.models import QuizAttempt
    from classroom.models import Enrollment, ModuleCompletion
    from demo.factories import (
        CoursePageFactory,
        ModulePageFactory,
        SubjectPageFactory,
        UserFactory,
        build_site_tree,
    )
    from learning.permissions import setup_instructors_group

    rng = random.Random(16)
    now = timezone.now()
    instructors = setup_instructors_group()
    _, catalog = build_site_tree()
    owner = UserFactory(username="bench-owner")
    owner.groups.add(instructors)
    subject = SubjectPageFactory(parent=catalog, title="Bench")
    course = CoursePageFactory(parent=subject, title="Analytics", owner=owner)
    pages = [
        ModulePageFactory(
            parent=course,
            title=f"Module {n + 1}",
            body=quiz_body(n) if n % 3 == 2 else [],
        )
        for n in range(modules)
    ]
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"s{n:05}", email=f"s{n}@example.com") for n in range(students)],
        batch_size=2000,
    )
    people = list(User.objects.filter(username__startswith="s").order_by("pk"))
    Enrollment.objects.bulk_create(
        [Enrollment(student=p, course=course) for p in people], batch_size=2000
    )
    # auto_now_add ignores what bulk_create is given: spread the dates afterwards.
    Enrollment.objects.bulk_update(
        list(_enrollments(course, now, rng)), ["created"], batch_size=2000
    )
    completions = []
    attempts = []
    last_seen = {}
    for person in people:
        reached = min(modules, int(rng.expovariate(1 / modules)))
        last = rng.randrange(60)
        last_seen.setdefault(last, []).append(person.pk)
        for n in range(reached):
            completions.append(
                ModuleCompletion(student=person, module=pages[n], course=course)
            )
            if n % 3 == 2:
                outcomes = [rng.choice(["right", "right", "wrong"]) for _ in "12"]
                right = outcomes.count("right")
                attempts.append(
                    QuizAttempt(
                        student=person,
                        module=pages[n],
                        course=course,
                        block_id=f"quiz-{n}",
                        number=1,
                        snapshot={"settings": {}, "questions": []},
                        started_at=now - timedelta(days=last, minutes=10),
                        submitted_at=now - timedelta(days=last),
                        score=Decimal(right),
                        max_score=Decimal(2),
                        passed=right >= 1,
                        results=[
                            {"id": f"q{i + 1}", "outcome": o, "points": "0"}
                            for i, o in enumerate(outcomes)
                        ],
                    )
                )
    ModuleCompletion.objects.bulk_create(completions, batch_size=5000)
    QuizAttempt.objects.bulk_create(attempts, batch_size=5000)
    # auto_now_add again: each student's completions go back to their last day.
    for days, pks in last_seen.items():
        ModuleCompletion.objects.filter(student_id__in=pks).update(
            completed=now - timedelta(days=days)
        )
    return course, owner, len(completions), len(attempts)


def _enrollments(course, now, rng):
    from classroom.models import Enrollment

    for n, enrollment in enumerate(Enrollment.objects.filter(course=course)):
        enrollment.created = now - timedelta(days=n % 365, hours=rng.randrange(24))
        yield enrollment


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--modules", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )
    from django.urls import reverse

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if POSTGRES:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        started = time.perf_counter()
        course, owner, completions, attempts = build(args.students, args.modules)
        print(f"database: {connection.vendor}")
        print(
            f"built in {time.perf_counter() - started:.1f} s: {args.students} students"
            f" × {args.modules} modules, {completions} completions,"
            f" {attempts} quiz attempts"
        )
        client = Client()
        client.force_login(owner)
        url = reverse("analytics:course", args=[course.pk])
        warm = client.get(url)  # the session, the menus
        assert warm.status_code == 200, warm.status_code
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200
        print(
            f"render {url}: median {statistics.median(times):.3f} s of {args.runs}"
            f" (min {min(times):.3f}, max {max(times):.3f}),"
            f" {len(queries)} queries, {len(response.content) // 1024} KiB"
        )
        for table in ["funnel", "inactive", "questions"]:
            csv_url = reverse("analytics:csv", args=[course.pk, table])
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(csv_url)
                took = time.perf_counter() - started
            rows = response.content.count(b"\n") - 1
            print(f"CSV {table}: {took:.3f} s, {len(queries)} queries, {rows} rows")
    finally:
        if POSTGRES:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        if TEMP:
            shutil.rmtree(TEMP, ignore_errors=True)


if __name__ == "__main__":
    main()
