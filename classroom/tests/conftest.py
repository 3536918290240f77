"""Fixtures for the classroom tests: every role of the access table and a module
whose contents use a text block, an image, a document and a video."""

import json

import pytest
import wagtail_factories
from django.core.files.base import ContentFile
from wagtailmedia.models import get_media_model

from demo.factories import ModulePageFactory

# 2 000 distinct bytes so that range answers can be checked byte for byte.
VIDEO_BYTES = bytes(range(256)) * 7 + bytes(range(208))


@pytest.fixture
def roles(course, enrolled, outsider, instructor, other_instructor, superuser):
    """Every row of the README's access table: role name -> user (None: anonymous)."""
    return {
        "anonymous": None,
        "not_enrolled": outsider,
        "enrolled": enrolled,
        "owner": instructor,
        "other_instructor": other_instructor,
        "superuser": superuser,
    }


@pytest.fixture
def document(db):
    return wagtail_factories.DocumentFactory(
        title="Lecture notes",
        file=ContentFile(b"Notes of the first lecture.\n", name="notes.txt"),
    )


@pytest.fixture
def image(db):
    return wagtail_factories.ImageFactory(title="Diagram")


@pytest.fixture
def media(db):
    return get_media_model().objects.create(
        title="Lecture video",
        type="video",
        duration=1,
        file=ContentFile(VIDEO_BYTES, name="lecture.webm"),
    )


def module_body(document=None, image=None, media=None, text="Solve for x."):
    """Raw StreamField JSON of a module body using the given files."""
    blocks = [{"type": "text", "value": f"<p>{text}</p>"}]
    if image is not None:
        blocks.append(
            {"type": "image", "value": {"image": image.pk, "caption": "A diagram"}}
        )
    if document is not None:
        blocks.append(
            {"type": "file", "value": {"document": document.pk, "description": ""}}
        )
    if media is not None:
        blocks.append(
            {
                "type": "video",
                "value": {"media": media.pk, "url": None, "caption": "Watch"},
            }
        )
    return json.dumps(blocks)


@pytest.fixture
def module_with_files(course, document, image, media):
    """A published module of `course` whose body uses a document, image and video."""
    return ModulePageFactory(
        parent=course,
        title="Files",
        body=module_body(document=document, image=image, media=media),
    )


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client
