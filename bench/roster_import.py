#!/usr/bin/env python
"""How long a roster import takes: `python bench/roster_import.py [--rows N]`.

Builds a throw-away test database (SQLite by default; PostgreSQL when DATABASE_URL
says so), a course and half as many existing accounts as rows, then times each step
of importing a CSV naming those accounts (new enrollments, through
classroom.enrollment.admit) and as many unknown addresses (invitations, mailed to
Django's in-memory backend): reading the file, the preview's plan, confirming,
and the same file again (which changes nothing). Prints the figures.
"""

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educa.settings.test")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.db import connection
    from django.test.utils import (
        setup_test_environment,
        teardown_test_environment,
    )

    setup_test_environment()  # the in-memory mail backend
    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"test database ready in {time.perf_counter() - started:.1f} s")
    try:
        from classroom.admin_roster import apply_import, parse_roster, plan_import
        from classroom.models import Enrollment, Invitation
        from demo.factories import (
            CoursePageFactory,
            SubjectPageFactory,
            UserFactory,
            build_site_tree,
        )
        from learning.permissions import setup_instructors_group

        setup_instructors_group()
        _, catalog = build_site_tree()
        owner = UserFactory(username="bench-owner")
        subject = SubjectPageFactory(parent=catalog, title="Bench")
        course = CoursePageFactory(parent=subject, title="Roster", owner=owner)
        known = args.rows // 2
        User = get_user_model()
        User.objects.bulk_create(
            [
                User(username=f"known{n}", email=f"known{n}@example.com")
                for n in range(known)
            ]
        )
        lines = ["email,username,name"]
        lines += [f"known{n}@example.com,,Known {n}" for n in range(known)]
        lines += [f"fresh{n}@example.com,,Fresh {n}" for n in range(args.rows - known)]
        text = "\n".join(lines) + "\n"

        def timed(label, function):
            started = time.perf_counter()
            result = function()
            print(f"{label:<28} {time.perf_counter() - started:7.3f} s")
            return result

        print(f"{args.rows} rows: {known} accounts to enroll, the rest to invite")
        print(f"database: {connection.vendor}")
        total = time.perf_counter()
        rows = timed("read the CSV", lambda: parse_roster(text))
        rows = timed("plan (the preview)", lambda: plan_import(course, rows))
        result = timed(
            "confirm (apply)",
            lambda: apply_import(course, plan_import(course, rows), owner),
        )
        print(f"{'whole import':<28} {time.perf_counter() - total:7.3f} s")
        print(
            f"enrolled {result.outcomes['enrolled']}, invited {result.invited}, "
            f"mailed {result.mailed}"
        )
        before = (Enrollment.objects.count(), Invitation.objects.count())
        again = timed(
            "same file again (confirm)",
            lambda: apply_import(
                course, plan_import(course, parse_roster(text)), owner
            ),
        )
        after = (Enrollment.objects.count(), Invitation.objects.count())
        print(
            f"second import: enrolled {again.outcomes['enrolled']}, invited "
            f"{again.invited}; rows unchanged: {before == after}"
        )
        print(f"mails in the outbox: {len(mail.outbox)}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
