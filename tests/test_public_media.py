"""MEDIA_URL serves public media only, however a path to anything else is spelled."""

import os

import pytest
import wagtail_factories
from django.core.files.base import ContentFile
from django.test import override_settings
from wagtail.documents import get_document_model
from wagtailmedia.models import get_media_model


@pytest.fixture
def files(db):
    document = get_document_model().objects.create(
        title="Secret notes", file=ContentFile(b"secret notes\n", name="secret.txt")
    )
    video = get_media_model().objects.create(
        title="Secret video",
        type="video",
        duration=1,
        file=ContentFile(b"secret video", name="secret.webm"),
    )
    image = wagtail_factories.ImageFactory(title="Cover")
    return document, video, image


def spellings(target):
    """Ways to reach `target` (a path under MEDIA_ROOT) from a public folder."""
    return [
        f"/media/images/../{target}",
        f"/media/images/%2e%2e/{target}",
        f"/media/images/%2E%2E/{target}",
        f"/media/images/..%2f{target}",
        f"/media/images/..%2F{target}",
        f"/media/images/.%2e/{target}",
        f"/media/original_images/%2e%2e/{target}",
        f"/media/media_thumbnails/%2e%2e/{target}",
        f"/media/images/./%2e%2e/{target}",
        f"/media/images//%2e%2e/{target}",
        f"/media/images/..%5c{target}",
        f"/media/images%2f%2e%2e/{target}",
        f"/media/{target}",
        f"/media//{target}",
        f"/media/./{target}",
    ]


def test_public_images_are_served(client, files):
    _document, _video, image = files
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image.file.open("rb").read()


def test_documents_and_videos_are_never_served_from_media_url(client, files):
    document, video, _image = files
    for target in (document.file.name, video.file.name):
        for url in spellings(target):
            response = client.get(url)
            assert response.status_code == 404, url


def test_a_symlink_out_of_a_public_folder_is_not_followed(client, files, settings):
    document, _video, _image = files
    images = os.path.join(settings.MEDIA_ROOT, "images")
    os.makedirs(images, exist_ok=True)
    link = os.path.join(images, "link-to-secret.txt")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(document.file.path, link)
    try:
        assert client.get("/media/images/link-to-secret.txt").status_code == 404
    finally:
        os.unlink(link)


@override_settings(DEBUG=False)
def test_folders_and_missing_files_are_404(client, files):
    for url in ("/media/", "/media/images/", "/media/images/nothing.png"):
        assert client.get(url).status_code == 404, url
