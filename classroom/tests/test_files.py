"""Protected module files: range requests, X-Accel-Redirect, unused files."""

import pytest
import wagtail_factories
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.utils.sendfile import _get_sendfile
from wagtailmedia.models import get_media_model

from classroom.tests.conftest import VIDEO_BYTES
from learning.files import parse_range

SIZE = len(VIDEO_BYTES)


def media_url(media):
    return reverse("protected_media", args=[media.pk, media.filename])


@pytest.fixture
def watcher(client, enrolled, module_with_files):
    client.force_login(enrolled)
    return client


def body(response):
    return b"".join(response.streaming_content)


def test_whole_video_announces_ranges(watcher, media):
    response = watcher.get(media_url(media))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/webm"
    assert body(response) == VIDEO_BYTES


@pytest.mark.parametrize(
    "header, start, end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-299", 100, 299),
        ("bytes=1990-", 1990, SIZE - 1),
        ("bytes=-10", SIZE - 10, SIZE - 1),
        ("bytes=1500-999999", 1500, SIZE - 1),
    ],
)
def test_range_request_gets_206_with_the_right_bytes(
    watcher, media, header, start, end
):
    response = watcher.get(media_url(media), headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == VIDEO_BYTES[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=2000-", "bytes=5000-6000", "bytes=-0"])
def test_unsatisfiable_range_is_416(watcher, media, header):
    response = watcher.get(media_url(media), headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=abc"])
def test_other_ranges_get_the_whole_file(watcher, media, header):
    response = watcher.get(media_url(media), headers={"Range": header})
    assert response.status_code == 200
    assert body(response) == VIDEO_BYTES


def test_parse_range_edges():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=-", 10) is None
    assert parse_range("bytes=-20", 10) == (0, 9)
    with pytest.raises(ValueError):
        parse_range("bytes=5-2", 10)


def test_a_range_request_is_protected_too(client, outsider, module_with_files, media):
    client.force_login(outsider)
    response = client.get(media_url(media), headers={"Range": "bytes=0-9"})
    assert response.status_code == 403


def test_wrong_filename_or_id_is_404(watcher, media):
    assert watcher.get(f"/protected-media/{media.pk}/other.webm").status_code == 404
    assert watcher.get("/protected-media/999999/lecture.webm").status_code == 404


def test_video_is_handed_to_the_web_server_in_production(watcher, media, settings):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/protected/"
    response = watcher.get(media_url(media), headers={"Range": "bytes=0-9"})
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{media.file.name}"
    assert response["Content-Type"] == "video/webm"
    assert response.content == b""


def test_document_is_handed_to_the_web_server_in_production(
    watcher, document, settings
):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/protected/"
    settings.SENDFILE_BACKEND = "learning.files"
    _get_sendfile.clear()  # Wagtail caches the backend it loaded
    try:
        response = watcher.get(document.url)
    finally:
        _get_sendfile.clear()
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{document.file.name}"
    assert "attachment" in response["Content-Disposition"]


def test_document_accel_is_still_protected(
    client, outsider, module_with_files, document, settings
):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/protected/"
    settings.SENDFILE_BACKEND = "learning.files"
    _get_sendfile.clear()
    try:
        client.force_login(outsider)
        response = client.get(document.url)
    finally:
        _get_sendfile.clear()
    assert response.status_code == 403
    assert not response.has_header("X-Accel-Redirect")


def test_a_document_used_by_no_module_is_served_as_wagtail_does(client, course):
    loose = wagtail_factories.DocumentFactory(
        title="Syllabus", file=ContentFile(b"Public syllabus", name="syllabus.txt")
    )
    response = client.get(loose.url)
    assert response.status_code == 200
    assert body(response) == b"Public syllabus"


def test_a_video_used_by_no_module_is_only_for_admin_users(client, student, instructor):
    loose = get_media_model().objects.create(
        title="Draft", type="video", file=ContentFile(b"xyz", name="draft.mp4")
    )
    client.force_login(student)
    assert client.get(media_url(loose)).status_code == 404
    client.force_login(instructor)  # e.g. previewing a draft module
    response = client.get(media_url(loose))
    assert response.status_code == 200
    assert body(response) == b"xyz"


def test_a_file_used_by_two_courses_opens_with_either(
    client, outsider, course, module_with_files, media
):
    from classroom.models import Enrollment
    from classroom.tests.conftest import module_body
    from demo.factories import CoursePageFactory, ModulePageFactory

    other = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    ModulePageFactory(parent=other, title="Reuse", body=module_body(media=media))
    client.force_login(outsider)
    assert client.get(media_url(media)).status_code == 403
    Enrollment.objects.create(student=outsider, course=other)
    assert client.get(media_url(media)).status_code == 200


def test_removing_a_file_from_a_module_updates_the_rule(
    client, outsider, module_with_files, document
):
    from classroom.tests.conftest import module_body

    client.force_login(outsider)
    assert client.get(document.url).status_code == 403
    module_with_files.body = module_body()
    module_with_files.save_revision().publish()
    assert client.get(document.url).status_code == 200
