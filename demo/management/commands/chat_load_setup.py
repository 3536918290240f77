"""Members and rooms for the chat load benchmark and the live-server tests.

    python manage.py chat_load_setup --clients 500 --rooms 1 --out /tmp/chat-load.json

Creates (or reuses) R courses owned by one instructor, N students enrolled in them
round-robin and one outsider, logs each of them in (a session per user, as the
login form would) and writes the session keys to a JSON file, so clients can open
sockets without going through the login page.
"""

import json
from importlib import import_module

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from classroom.models import Enrollment
from demo.factories import (
    CoursePageFactory,
    SubjectPageFactory,
    build_site_tree,
)
from learning.models import CatalogPage, CoursePage, SubjectPage

PASSWORD = "chat-load-pass"  # noqa: S105 (benchmark users on a scratch database)


def log_in(user):
    """A session for `user`, as django.contrib.auth.login would create it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


class Command(BaseCommand):
    help = "Create chat rooms, members and their sessions for load tests."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=200)
        parser.add_argument("--rooms", type=int, default=20)
        parser.add_argument("--prefix", default="chatload")
        parser.add_argument("--out", default="chat-load.json")

    @transaction.atomic
    def handle(self, *args, clients, rooms, prefix, out, **options):
        User = get_user_model()
        password = make_password(PASSWORD)
        teacher, _ = User.objects.get_or_create(
            username=f"{prefix}-teacher", defaults={"password": password}
        )
        outsider, _ = User.objects.get_or_create(
            username=f"{prefix}-outsider", defaults={"password": password}
        )
        names = [f"{prefix}-{n:05d}" for n in range(clients)]
        User.objects.bulk_create(
            [User(username=name, password=password) for name in names],
            ignore_conflicts=True,
        )
        students = {u.username: u for u in User.objects.filter(username__in=names)}

        courses = self.rooms(prefix, rooms, teacher)
        Enrollment.objects.bulk_create(
            [
                Enrollment(student=students[name], course=courses[n % rooms])
                for n, name in enumerate(names)
            ],
            ignore_conflicts=True,
        )
        plan = {
            "rooms": [course.pk for course in courses],
            "password": PASSWORD,
            "teacher": {"username": teacher.username, "session": log_in(teacher)},
            "outsider": {"username": outsider.username, "session": log_in(outsider)},
            "clients": [
                {
                    "username": name,
                    "room": courses[n % rooms].pk,
                    "session": log_in(students[name]),
                }
                for n, name in enumerate(names)
            ],
        }
        with open(out, "w") as handle:
            json.dump(plan, handle)
        self.stdout.write(
            f"{clients} members in {rooms} rooms (courses {plan['rooms']}) -> {out}"
        )

    def rooms(self, prefix, count, teacher):
        catalog = CatalogPage.objects.first()
        if catalog is None:
            _, catalog = build_site_tree()
        subject = SubjectPage.objects.filter(slug=prefix).first()
        if subject is None:
            subject = SubjectPageFactory(
                parent=catalog, title=f"Chat load {prefix}", slug=prefix
            )
        courses = []
        for n in range(count):
            slug = f"{prefix}-room-{n}"
            course = CoursePage.objects.filter(slug=slug).first()
            if course is None:
                course = CoursePageFactory(
                    parent=subject, title=f"Room {n}", slug=slug, owner=teacher
                )
            courses.append(course)
        return courses
