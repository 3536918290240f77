"""Assignments, the student's side: the block, handing in, the files handed in and
each student's status in the module body."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessment.assignments import assignment_statuses
from assessment.forms import MAX_FILES
from assessment.models import AssignmentGrade, GradeOverride, Submission, SubmissionFile
from classroom.models import Enrollment
from demo.factories import ModulePageFactory, UserFactory
from sitecache import decorations

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PROTECTED_FILES_ACCEL_PREFIX = ""
    return tmp_path


def stored_files(root):
    folder = root / "submissions"
    return (
        sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
    )


def assignment_value(**changes):
    value = {
        "title": "Write an essay",
        "instructions": "<p>Explain <b>why</b> equations balance.</p>",
        "due": (timezone.now() + timedelta(days=7)).isoformat(),
        "points": "10",
        "hand_in": "text",
        "file_types": "pdf, txt",
        "max_size": 1,
        "late": False,
    }
    value.update(changes)
    return value


def make_module(course, title="Essay", **changes):
    module = ModulePageFactory(
        parent=course,
        title=title,
        body=[
            {"type": "text", "value": "<p>Read this first.</p>"},
            {"type": "assignment", "value": assignment_value(**changes)},
        ],
    )
    module.save_revision().publish()
    module.refresh_from_db()
    return module


def block_id_of(module):
    return next(b.id for b in module.body if b.block_type == "assignment")


def url_of(module):
    return reverse("assignment", args=[module.pk, block_id_of(module)])


@pytest.fixture
def module(course):
    return make_module(course)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def upload(name, data=b"some work\n", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- The page ------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, module):
    response = client.get(url_of(module))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_student_not_enrolled_gets_403_and_hands_in_nothing(module, outsider):
    client = logged_in(outsider)
    assert client.get(url_of(module)).status_code == 403
    assert client.post(url_of(module), {"text": "Mine"}).status_code == 403
    assert not Submission.objects.exists()


def test_an_unpublished_module_is_404(module, enrolled):
    client = logged_in(enrolled)
    module.unpublish()
    assert client.get(url_of(module)).status_code == 404


def test_a_module_of_an_unpublished_course_is_404(module, course, enrolled):
    client = logged_in(enrolled)
    course.unpublish()  # its modules stay live in Wagtail
    assert client.get(url_of(module)).status_code == 404


def test_an_unknown_block_is_404(module, enrolled):
    client = logged_in(enrolled)
    url = reverse("assignment", args=[module.pk, "no-such-block"])
    assert client.get(url).status_code == 404
    text_block = module.body[0].id  # a block, but not an assignment
    assert (
        client.get(reverse("assignment", args=[module.pk, text_block])).status_code
        == 404
    )


def test_the_page_shows_the_instructions_and_the_form(module, enrolled):
    response = logged_in(enrolled).get(url_of(module))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write an essay" in html
    assert "<b>why</b>" in html
    assert 'name="text"' in html
    assert 'type="file"' not in html  # text only
    assert "csrfmiddlewaretoken" in html
    assert "Nothing yet." in html


def test_a_files_assignment_has_a_multiple_file_input_with_accept(course, enrolled):
    module = make_module(course, hand_in="both", file_types="PDF, .odt,txt")
    html = logged_in(enrolled).get(url_of(module)).content.decode()
    assert 'type="file"' in html
    assert 'accept=".pdf,.odt,.txt"' in html
    assert "multiple" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="text"' in html


def test_staff_see_a_note_and_no_form(module, instructor, superuser):
    for user in (instructor, superuser):
        client = logged_in(user)
        response = client.get(url_of(module))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Students of the course hand in their work" in html
        assert 'name="text"' not in html
        try:
            queue = reverse("assessment_grades:queue", args=[module.get_parent().pk])
        except NoReverseMatch:
            queue = None  # no grading screen in this tree: no link
        if queue:
            assert f'href="{queue}"' in html
        assert client.post(url_of(module), {"text": "x"}).status_code == 403
    assert not Submission.objects.exists()


def test_a_post_without_csrf_token_is_refused(module, enrolled):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    assert client.post(url_of(module), {"text": "Mine"}).status_code == 403
    assert not Submission.objects.exists()


# --- Handing in ----------------------------------------------------------------


def test_a_student_hands_in_text(module, enrolled):
    client = logged_in(enrolled)
    response = client.post(url_of(module), {"text": "  Equations balance.  "})
    assert response.status_code == 303
    assert response["Location"] == url_of(module)
    submission = Submission.objects.get()
    assert submission.student == enrolled
    assert submission.module_id == module.pk
    assert submission.course_id == module.get_parent().pk
    assert submission.block_id == block_id_of(module)
    assert submission.text == "Equations balance."
    assert submission.late is False
    page = client.get(response["Location"]).content.decode()
    assert "Your work was handed in." in page
    assert "Equations balance." in page
    assert "(on time)" in page
    assert "Hand in again" in page


def test_empty_text_is_refused(module, enrolled):
    response = logged_in(enrolled).post(url_of(module), {"text": "   "})
    assert response.status_code == 400
    assert "Write your answer before handing in." in response.content.decode()
    assert not Submission.objects.exists()


def test_text_and_files_need_both(course, enrolled, media_root):
    module = make_module(course, hand_in="both")
    client = logged_in(enrolled)
    response = client.post(url_of(module), {"text": "Only text"})
    assert response.status_code == 400
    assert "Choose at least one file to hand in." in response.content.decode()
    response = client.post(url_of(module), {"files": [upload("a.pdf")]})
    assert response.status_code == 400
    assert not Submission.objects.exists()
    assert stored_files(media_root) == []
    response = client.post(url_of(module), {"text": "Both", "files": [upload("a.pdf")]})
    assert response.status_code == 303
    assert Submission.objects.get().files.count() == 1


def test_files_are_stored_under_safe_names(course, enrolled, media_root):
    module = make_module(course, hand_in="files")
    client = logged_in(enrolled)
    response = client.post(
        url_of(module),
        {
            "files": [
                upload("My report (final).pdf", b"%PDF-1.4 report"),
                upload("../../../etc/notes.TXT", b"notes", "text/html"),
            ]
        },
    )
    assert response.status_code == 303
    submission = Submission.objects.get()
    files = {f.name: f for f in submission.files.all()}
    assert set(files) == {"My_report_final.pdf", "notes.TXT"}
    report = files["My_report_final.pdf"]
    assert report.size == len(b"%PDF-1.4 report")
    assert report.content_type == "application/pdf"
    # What the browser claimed is not kept.
    assert files["notes.TXT"].content_type == "text/plain"
    assert report.file.name.startswith(f"submissions/{submission.course_id}/")
    on_disk = stored_files(media_root)
    assert len(on_disk) == 2
    assert all(p.is_relative_to(media_root / "submissions") for p in on_disk)


def test_a_file_of_a_type_not_allowed_is_refused(course, enrolled, media_root):
    module = make_module(course, hand_in="files", file_types="pdf")
    response = logged_in(enrolled).post(
        url_of(module), {"files": [upload("ok.pdf"), upload("script.exe")]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not an allowed type" in html
    assert "script.exe" in html
    assert not Submission.objects.exists()
    assert not SubmissionFile.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_without_extension_is_refused_when_types_are_set(course, enrolled):
    module = make_module(course, hand_in="files", file_types="pdf")
    response = logged_in(enrolled).post(url_of(module), {"files": [upload("pdf")]})
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_a_file_larger_than_the_limit_is_refused(course, enrolled, media_root):
    module = make_module(course, hand_in="files", max_size=1)
    client = logged_in(enrolled)
    response = client.post(
        url_of(module), {"files": [upload("big.pdf", b"x" * (MB + 1))]}
    )
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert not Submission.objects.exists()
    assert stored_files(media_root) == []
    response = client.post(url_of(module), {"files": [upload("fits.pdf", b"x" * MB)]})
    assert response.status_code == 303


def test_too_many_files_are_refused(course, enrolled, media_root):
    module = make_module(course, hand_in="files")
    files = [upload(f"part{n}.pdf") for n in range(MAX_FILES + 1)]
    response = logged_in(enrolled).post(url_of(module), {"files": files})
    assert response.status_code == 400
    assert f"at most {MAX_FILES} files" in response.content.decode()
    assert not Submission.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_name_with_nothing_usable_is_refused(course, enrolled, media_root):
    module = make_module(course, hand_in="files", file_types="")
    response = logged_in(enrolled).post(url_of(module), {"files": [upload("@@@")]})
    assert response.status_code == 400
    assert "no usable file name" in response.content.decode()
    assert not Submission.objects.exists()


def test_an_empty_file_is_refused(course, enrolled):
    module = make_module(course, hand_in="files")
    response = logged_in(enrolled).post(
        url_of(module), {"files": [upload("a.pdf", b"")]}
    )
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_late_work_is_refused_when_the_block_says_so(course, enrolled):
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    module = make_module(course, due=past, late=False)
    client = logged_in(enrolled)
    page = client.get(url_of(module)).content.decode()
    assert "does not accept late work" in page
    assert 'name="text"' not in page
    response = client.post(url_of(module), {"text": "Too late"})
    assert response.status_code == 400
    assert "has passed" in response.content.decode()
    assert not Submission.objects.exists()


def test_late_work_is_accepted_and_marked_when_the_block_says_so(course, enrolled):
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    module = make_module(course, due=past, late=True)
    client = logged_in(enrolled)
    response = client.post(url_of(module), {"text": "Late but here"})
    assert response.status_code == 303
    assert Submission.objects.get().late is True
    page = client.get(url_of(module)).content.decode()
    assert "marked late" in page
    assert "(late)" in page


def test_without_a_due_date_nothing_is_late(course, enrolled):
    module = make_module(course, due=None)
    assert logged_in(enrolled).post(url_of(module), {"text": "x"}).status_code == 303
    assert Submission.objects.get().late is False


def test_handing_in_again_adds_a_row_and_the_history_shows_both(module, enrolled):
    client = logged_in(enrolled)
    client.post(url_of(module), {"text": "First draft"})
    client.post(url_of(module), {"text": "Second draft"})
    assert Submission.objects.filter(student=enrolled).count() == 2
    html = client.get(url_of(module)).content.decode()
    assert html.index("Second draft") < html.index("First draft")  # newest first


def test_a_student_sees_only_their_own_hand_ins(module, enrolled, course):
    other = UserFactory(username="classmate")
    Enrollment.objects.create(student=other, course=course)
    logged_in(other).post(url_of(module), {"text": "Classmate's secret"})
    html = logged_in(enrolled).get(url_of(module)).content.decode()
    assert "Classmate's secret" not in html


def test_the_grade_and_feedback_are_shown(module, enrolled, instructor):
    client = logged_in(enrolled)
    client.post(url_of(module), {"text": "Essay"})
    submission = Submission.objects.get()
    AssignmentGrade.objects.create(
        student=enrolled,
        module=module,
        course=submission.course,
        block_id=submission.block_id,
        submission=submission,
        points=Decimal("8"),
        feedback="Good <work>",
        graded_by=instructor,
    )
    html = client.get(url_of(module)).content.decode()
    assert "Your grade" in html
    assert "8 / 10" in html
    assert "Good &lt;work&gt;" in html


# --- The files handed in -------------------------------------------------------


@pytest.fixture
def handed_in(course, enrolled):
    module = make_module(course, hand_in="files")
    logged_in(enrolled).post(
        url_of(module), {"files": [upload("essay.pdf", b"%PDF-1.4 my essay")]}
    )
    return SubmissionFile.objects.get()


def file_link(handed_in):
    return reverse(
        "submission_file", args=[handed_in.pk, handed_in.file.name.rsplit("/", 1)[-1]]
    )


def body(response):
    return b"".join(response.streaming_content)


def test_the_history_links_to_the_file(handed_in, enrolled):
    module = handed_in.submission.module
    html = logged_in(enrolled).get(url_of(module)).content.decode()
    assert f'href="{file_link(handed_in)}"' in html


def test_the_file_is_served_to_its_author_as_a_download(handed_in, enrolled):
    response = logged_in(enrolled).get(file_link(handed_in))
    assert response.status_code == 200
    assert body(response) == b"%PDF-1.4 my essay"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="essay.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_the_file_is_served_to_the_owner_and_superusers(
    handed_in, instructor, superuser
):
    for user in (instructor, superuser):
        response = logged_in(user).get(file_link(handed_in))
        assert response.status_code == 200, user
        assert body(response) == b"%PDF-1.4 my essay"


def test_the_file_is_404_for_everyone_else(
    handed_in, course, other_instructor, outsider
):
    classmate = UserFactory(username="classmate")
    Enrollment.objects.create(student=classmate, course=course)
    for user in (classmate, other_instructor, outsider):
        assert logged_in(user).get(file_link(handed_in)).status_code == 404, user


def test_the_file_asks_anonymous_visitors_to_log_in(client, handed_in):
    response = client.get(file_link(handed_in))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_file_name_in_the_address_must_match(handed_in, enrolled):
    client = logged_in(enrolled)
    bad = reverse("submission_file", args=[handed_in.pk, "other.pdf"])
    assert client.get(bad).status_code == 404
    missing = reverse("submission_file", args=[handed_in.pk + 1000, "essay.pdf"])
    assert client.get(missing).status_code == 404


def test_the_file_is_only_read_with_get(handed_in, enrolled):
    assert logged_in(enrolled).post(file_link(handed_in)).status_code == 405


def test_the_file_answers_ranges(handed_in, enrolled):
    response = logged_in(enrolled).get(file_link(handed_in), HTTP_RANGE="bytes=0-7")
    assert response.status_code == 206
    assert body(response) == b"%PDF-1.4"


def test_in_production_the_web_server_sends_the_file(handed_in, enrolled, settings):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/protected/"
    response = logged_in(enrolled).get(file_link(handed_in))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{handed_in.file.name}"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_file_is_not_reachable_under_media_url(handed_in, enrolled, settings):
    assert (settings.MEDIA_ROOT / handed_in.file.name).is_file()
    name = handed_in.file.name
    client = logged_in(enrolled)
    for url in (
        f"{settings.MEDIA_URL}{name}",
        f"{settings.MEDIA_URL}images/../{name}",
        f"{settings.MEDIA_URL}images/%2e%2e/{name}",
        handed_in.file.url,
    ):
        assert client.get(url).status_code == 404, url


# --- Each student's status in the module body ----------------------------------


def status_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def status_id(module):
    return f"{module.pk}.{block_id_of(module)}"


def test_statuses_say_not_handed_in_handed_in_late_and_graded(course, enrolled):
    fresh = make_module(course, title="Fresh")
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    late = make_module(course, title="Late", due=past, late=True)
    graded = make_module(course, title="Graded")
    client = logged_in(enrolled)
    client.post(url_of(late), {"text": "late work"})
    client.post(url_of(graded), {"text": "graded work"})
    submission = Submission.objects.get(module=graded)
    AssignmentGrade.objects.create(
        student=enrolled,
        module=graded,
        course=course,
        block_id=submission.block_id,
        submission=submission,
        points=Decimal("8.00"),
    )
    ids = [status_id(fresh), status_id(late), status_id(graded), "bogus", "7.x"]
    answer = assignment_statuses(status_request(enrolled), ids)
    assert "Not handed in yet" in answer[status_id(fresh)]
    assert "Handed in " in answer[status_id(late)]
    assert answer[status_id(late)].endswith("(late)</span>")
    assert "Graded: 8 / 10" in answer[status_id(graded)]
    assert "bogus" not in answer
    assert "Not handed in yet" in answer["7.x"]  # no such item: nothing of the user's


def test_an_override_counts_over_the_grade(course, enrolled, instructor):
    module = make_module(course)
    block = block_id_of(module)
    AssignmentGrade.objects.create(
        student=enrolled, module=module, course=course, block_id=block, points=4
    )
    GradeOverride.objects.create(
        student=enrolled,
        module=module,
        course=course,
        block_id=block,
        points=Decimal("9.5"),
        reason="Re-read",
        by=instructor,
    )
    answer = assignment_statuses(status_request(enrolled), [status_id(module)])
    assert "Graded: 9.50 / 10" in answer[status_id(module)]


def test_statuses_cost_two_queries_whatever_the_number_of_ids_then_none(
    course, enrolled, django_assert_num_queries
):
    modules = [make_module(course, title=f"Essay {n}") for n in range(4)]
    ids = [status_id(module) for module in modules]
    request = status_request(enrolled)
    assignment_statuses(request, ids)  # the modules' points are cached now
    for module in modules[:2]:
        logged_in(enrolled).post(url_of(module), {"text": "work"})
    # A hand-in forgets the student's marks: read again, in two queries.
    with django_assert_num_queries(2):
        answer = assignment_statuses(request, ids)
    assert len(answer) == 4
    assert sum("Handed in" in html for html in answer.values()) == 2
    with django_assert_num_queries(0):
        assert assignment_statuses(request, ids) == answer


def test_statuses_are_for_logged_in_users_only(module):
    from django.contrib.auth.models import AnonymousUser

    assert (
        assignment_statuses(status_request(AnonymousUser()), [status_id(module)]) == {}
    )


def test_statuses_are_escaped(course, enrolled, monkeypatch):
    module = make_module(course)
    monkeypatch.setattr("assessment.assignments.when", lambda moment: "<b>now</b>")
    logged_in(enrolled).post(url_of(module), {"text": "work"})
    answer = assignment_statuses(status_request(enrolled), [status_id(module)])
    assert "&lt;b&gt;now&lt;/b&gt;" in answer[status_id(module)]


def test_the_module_page_shows_the_block_and_each_students_status(
    module, enrolled, course, instructor
):
    client = logged_in(enrolled)
    html = client.get(module.url).content.decode()
    assert "Write an essay" in html
    assert "<time datetime=" in html
    assert url_of(module) in html
    assert "Hand in your work" in html
    assert "Not handed in yet" in html
    assert decorations.marker_key() not in html
    client.post(url_of(module), {"text": "work"})
    assert "Handed in " in client.get(module.url).content.decode()
    # The body is shared: a classmate gets the same body with their own status.
    classmate = UserFactory(username="classmate")
    Enrollment.objects.create(student=classmate, course=course)
    assert "Not handed in yet" in logged_in(classmate).get(module.url).content.decode()
    # The grade and the staff's feedback show there too, the student's only.
    AssignmentGrade.objects.create(
        student=enrolled,
        module=module,
        course=course,
        block_id=block_id_of(module),
        submission=Submission.objects.get(student=enrolled),
        points=8,
        feedback="Clear <and> short.",
        graded_by=instructor,
    )
    html = client.get(module.url).content.decode()
    assert "Graded: 8 / 10" in html and "Feedback: Clear &lt;and&gt; short." in html
    assert "Clear" not in logged_in(classmate).get(module.url).content.decode()


def test_the_block_holds_no_csrf_token(module, instructor):
    html = logged_in(instructor).get(module.url).content.decode()
    start = html.index('class="block-assignment"')
    section = html[start : html.index("</section>", start)]
    assert "csrfmiddlewaretoken" not in section


def test_hand_ins_stop_at_the_cap(module, enrolled, monkeypatch):
    monkeypatch.setattr("assessment.assignments.MAX_HAND_INS", 3)
    client = logged_in(enrolled)
    for n in range(3):
        assert client.post(url_of(module), {"text": f"take {n}"}).status_code == 303
    refused = client.post(url_of(module), {"text": "one more"})
    assert refused.status_code == 400 and "as often as it can be" in refused.text
    assert Submission.objects.filter(student=enrolled).count() == 3
