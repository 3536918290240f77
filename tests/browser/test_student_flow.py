# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A new visitor signs up, enrolls, studies the first module and sees progress move."""

import json

import pytest
import wagtail_factories
from django.core.files.base import ContentFile
from playwright.sync_api import expect
from wagtailmedia.models import get_media_model

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def algebra(course):
    """`course`'s first module gets a text, an image, a file and a video."""
    image = wagtail_factories.ImageFactory(title="Number line")
    document = wagtail_factories.DocumentFactory(
        title="Worksheet", file=ContentFile(b"Solve 2x = 4.\n", name="worksheet.txt")
    )
    video = get_media_model().objects.create(
        title="Balancing equations",
        type="video",
        duration=1,
        file=ContentFile(b"\x1aE\xdf\xa3" + bytes(1020), name="balancing.webm"),
    )
    first = course.modules().first()
    first.body = json.dumps(
        [
            {"type": "text", "value": "<p>An equation is a balance.</p>"},
            {"type": "image", "value": {"image": image.pk, "caption": "The line"}},
            {"type": "file", "value": {"document": document.pk, "description": ""}},
            {
                "type": "video",
                "value": {"media": video.pk, "url": None, "caption": "Watch"},
            },
        ]
    )
    first.save_revision().publish()
    return course, first, document, video


def test_visitor_registers_enrolls_studies_and_progresses(page, live_server, algebra):
    course, first, document, video_file = algebra
    page.goto(live_server.url + course.url)

    page.get_by_role("link", name="Register to enroll").click()
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.com")
    page.fill("#id_password1", "a-long-enough-secret-42")
    page.fill("#id_password2", "a-long-enough-secret-42")
    page.get_by_role("button", name="Create my account").click()

    # Back on the course page, logged in: enroll.
    expect(page.locator("h1")).to_have_text("Algebra")
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_text("You are enrolled in Algebra.")).to_be_visible()
    progress = page.locator(".course-actions progress")
    expect(progress).to_have_attribute("value", "0")
    expect(progress).to_have_attribute("max", "2")

    page.get_by_role("link", name="Continue").click()
    expect(page.locator("article.module h1")).to_have_text(first.title)
    expect(page.get_by_text("An equation is a balance.")).to_be_visible()

    image = page.locator(".block-image img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")

    link = page.locator(".block-file a.file-link")
    expect(link).to_contain_text("Worksheet")
    assert link.get_attribute("href") == document.url
    download = page.request.get(live_server.url + document.url)
    assert download.status == 200 and download.body() == b"Solve 2x = 4.\n"

    video = page.locator(".block-video video")
    expect(video).to_be_attached()
    src = video.get_attribute("src")
    assert src == f"/protected-media/{video_file.pk}/{video_file.filename}"
    clip = page.request.get(live_server.url + src, headers={"Range": "bytes=0-3"})
    assert clip.status == 206 and clip.body() == b"\x1aE\xdf\xa3"

    page.get_by_role("button", name="Mark as done").click()
    # On to the next module.
    second = course.modules().last()
    expect(page.locator("article.module h1")).to_have_text(second.title)
    bar = page.locator(".module-actions progress")
    expect(bar).to_have_attribute("value", "1")
    expect(page.locator(".module-actions .progress-text")).to_contain_text(
        "1 of 2 modules done (50%)"
    )
    # The sidebar (a fragment shared by every reader) ticks this student's module.
    sidebar = page.get_by_role("navigation", name="Modules of Algebra")
    done = sidebar.get_by_role("link", name=f"{first.title} (done)", exact=True)
    expect(done.locator(".module-done-tick")).to_be_visible()
    expect(sidebar.locator(".module-done-tick")).to_have_count(1)

    page.get_by_role("link", name="My courses").click()
    expect(page.locator(".enrolled-course progress")).to_have_attribute("value", "1")
