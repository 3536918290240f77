"""`load_demo` builds the whole demo catalogue, and a second run changes nothing."""

import io
import random
from unittest import mock

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import TestCase
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import GroupPagePermission, Page, Revision, Site
from wagtailmedia import get_media_model

from assessment import grading
from assessment.items import items_of_module
from demo.factories import SubjectPageFactory
from demo.large import path_step
from learning.models import CatalogPage, CoursePage, HomePage, ModulePage, SubjectPage


def snapshot():
    """What a run could add or change, counted and fingerprinted."""
    return {
        "pages": Page.objects.count(),
        "live": Page.objects.live().count(),
        "revisions": Revision.objects.count(),
        "latest revisions": sorted(
            Page.objects.values_list("pk", "latest_revision_id")
        ),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "media": get_media_model().objects.count(),
        "users": sorted(
            get_user_model().objects.values_list("username", "password", "is_superuser")
        ),
        "page permissions": GroupPagePermission.objects.count(),
    }


class DemoCatalogueTests(TestCase):
    """One demo build (it takes seconds) shared by the tests of this class."""

    @classmethod
    def setUpTestData(cls):
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        cls.output = out.getvalue()

    def test_demo_builds_the_catalogue(self):
        root = Site.objects.get(is_default_site=True).root_page
        assert root.specific_class is HomePage
        assert CatalogPage.objects.live().count() == 1
        assert SubjectPage.objects.live().count() >= 4
        assert CoursePage.objects.live().count() == 12
        for course in CoursePage.objects.all():
            assert course.get_children().live().type(ModulePage).count() == 4
            assert course.image is not None
            assert course.live_revision_id is not None
        owners = set(CoursePage.objects.values_list("owner__username", flat=True))
        assert owners == {"instructor", "instructor2"}
        # Wagtail's placeholder welcome page is gone.
        assert not Page.objects.filter(depth=2).exclude(
            pk__in=HomePage.objects.values("pk")
        )

    def test_the_practice_quiz_is_passed_by_its_own_answers(self):
        """The demo's quiz is one a student can pass: each question's answer, as
        its author wrote it, earns full points."""
        module = ModulePage.objects.get(
            title="Watch and practise", url_path__contains="algebra-basics"
        )
        (quiz,) = [i for i in items_of_module(module) if i.kind == "quiz"]
        snapshot = grading.build_snapshot(quiz.value, random.Random(7))
        answers = {}
        for question in snapshot["questions"]:
            kind = question["kind"]
            if kind == "single_choice":
                answers[question["id"]] = next(
                    c["id"] for c in question["choices"] if c["correct"]
                )
            elif kind == "multiple_choice":
                answers[question["id"]] = [
                    c["id"] for c in question["choices"] if c["correct"]
                ]
            elif kind == "true_false":
                answers[question["id"]] = question["answer"]
            elif kind == "short_text":
                answers[question["id"]] = question["accepted"][0].upper()
            elif kind == "numeric":
                answers[question["id"]] = question["value"]
            else:
                answers[question["id"]] = question["order"]
        assert len(answers) == 6
        assert grading.grade(snapshot, answers)["percent"] == "100.00"
        assert module.completed_by_quiz
        assignment = ModulePage.objects.get(
            title="Review", url_path__contains="algebra-basics"
        )
        assert [i.kind for i in items_of_module(assignment)] == ["assignment"]

    def test_demo_uses_every_kind_of_content_with_real_files(self):
        kinds = set()
        for module in ModulePage.objects.all():
            kinds.update(block.block_type for block in module.body)
        assert kinds == {"text", "image", "file", "video", "quiz", "assignment"}
        image = get_image_model().objects.first()
        assert image.width == 960 and image.file.size > 0
        document = get_document_model().objects.first()
        with document.file.open() as handle:
            assert handle.read().decode().startswith(document.title[: -len(": notes")])
        media = get_media_model().objects.get()
        assert media.type == "video"
        assert 0 < media.file.size < 300_000

    def test_demo_users_log_in_with_the_printed_passwords(self):
        for username in ("admin", "instructor", "instructor2", "student"):
            line = next(
                line
                for line in self.output.splitlines()
                if line.split()[:1] == [username]
            )
            assert authenticate(username=username, password=line.split()[1])
        User = get_user_model()
        assert User.objects.get(username="admin").is_superuser
        for username in ("instructor", "instructor2"):
            assert User.objects.get(username=username).groups.filter(name="Instructors")
        assert not User.objects.get(username="student").groups.exists()

    def test_instructor_can_edit_own_demo_course_in_the_admin(self):
        instructor = get_user_model().objects.get(username="instructor")
        own = CoursePage.objects.filter(owner=instructor).first()
        other = CoursePage.objects.exclude(owner=instructor).first()
        self.client.force_login(instructor)
        assert self.client.get(f"/admin/pages/{own.pk}/edit/").status_code == 200
        assert not other.permissions_for_user(instructor).can_edit()

    def test_second_run_changes_nothing(self):
        before = snapshot()
        call_command("load_demo", stdout=io.StringIO())
        assert snapshot() == before

    def test_large_size_hands_over_to_the_large_builder(self):
        with mock.patch("demo.large.build") as build:
            call_command("load_demo", "--size", "large", stdout=io.StringIO())
        build.assert_called_once()

    def test_demo_site_is_browsable(self):
        assert self.client.get("/").status_code == 200
        response = self.client.get("/courses/")
        assert response.status_code == 200
        assert response.context["courses"].paginator.count == 12


@pytest.mark.django_db
def test_bulk_paths_are_the_ones_treebeard_gives(catalog):
    """The large demo writes tree paths itself (demo.large.path_step): they must
    be those Wagtail's own add_child() would have given."""
    for _ in range(3):
        SubjectPageFactory(parent=catalog)
    children = list(catalog.get_children().order_by("path"))
    for position, child in enumerate(children, start=1):
        assert child.path == catalog.path + path_step(position)
    assert path_step(36) == "0010" and path_step(1) == "0001"
