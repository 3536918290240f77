"""Each body block renders through its own template and gives clients URLs."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.exceptions import EmbedNotFoundException
from wagtail.embeds.models import Embed
from wagtail.rich_text import RichText

from demo.factories import DocumentFactory, ImageFactory, MediaFactory
from learning.blocks import (
    FileBlock,
    ImageBlock,
    ModuleBodyBlock,
    QuizBlock,
    TextBlock,
    VideoBlock,
)

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def render(block, raw):
    return block.render(block.to_python(raw))


def test_every_block_declares_icon_template_and_preview():
    for name, block in ModuleBodyBlock().child_blocks.items():
        assert block.meta.icon != "placeholder", name
        assert block.meta.template == f"learning/blocks/{name}_block.html"
        assert block.meta.preview_value, name


def test_text_block_renders_rich_text():
    html = TextBlock().render(RichText("<p>Hello <b>world</b></p>"))
    assert 'class="block block-text"' in html
    assert "<b>world</b>" in html


def test_image_block_renders_a_rendition_and_caption():
    image = ImageFactory(title="Triangle")
    html = render(ImageBlock(), {"image": image.pk, "caption": "Three sides"})
    assert "<img" in html
    assert 'alt="Triangle"' in html
    assert "<figcaption>Three sides</figcaption>" in html
    assert image.renditions.filter(filter_spec="max-1200x800").exists()


def test_file_block_links_to_the_document_with_its_type():
    document = DocumentFactory(title="Lecture notes")
    html = render(FileBlock(), {"document": document.pk, "description": "Print me"})
    assert f'href="{document.url}"' in html
    assert "Lecture notes" in html
    assert "TXT" in html
    assert "15\xa0bytes" in html
    assert "Print me" in html


def test_uploaded_video_plays_from_the_protected_url():
    media = MediaFactory(title="Clip")
    html = render(VideoBlock(), {"media": media.pk, "url": "", "caption": "Watch"})
    assert "<video" in html
    assert f'src="/protected-media/{media.pk}/{media.filename}"' in html
    assert media.file.url not in html
    assert "<figcaption>Watch</figcaption>" in html


def test_uploaded_audio_gets_an_audio_player():
    media = MediaFactory(type="audio", width=None, height=None)
    html = render(VideoBlock(), {"media": media.pk, "url": "", "caption": ""})
    assert "<audio" in html
    assert "<video" not in html


def test_embedded_video_shows_the_provider_html():
    # A stored embed is what Wagtail's finder leaves behind; no network needed.
    Embed.objects.create(
        hash=get_embed_hash(YOUTUBE, 960),
        url=YOUTUBE,
        max_width=960,
        type="video",
        html='<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
        provider_name="YouTube",
    )
    html = render(VideoBlock(), {"media": None, "url": YOUTUBE, "caption": ""})
    assert 'class="embed"' in html
    assert "youtube.com/embed/dQw4w9WgXcQ" in html


def test_embedded_video_falls_back_to_a_link_when_the_provider_fails():
    with mock.patch(
        "wagtail.embeds.embeds.get_embed", side_effect=EmbedNotFoundException
    ):
        html = render(VideoBlock(), {"media": None, "url": YOUTUBE, "caption": ""})
    assert f'href="{YOUTUBE}"' in html
    assert "<iframe" not in html


def test_api_representations_give_urls_not_only_ids():
    image = ImageFactory(title="Map")
    document = DocumentFactory(title="Notes")
    media = MediaFactory(title="Clip")
    body = ModuleBodyBlock().to_python(
        [
            {"type": "image", "value": {"image": image.pk, "caption": "c"}},
            {"type": "file", "value": {"document": document.pk, "description": ""}},
            {"type": "video", "value": {"media": media.pk, "url": "", "caption": ""}},
        ]
    )
    image_api, file_api, video_api = (
        child.block.get_api_representation(child.value) for child in body
    )
    assert image_api["image"]["title"] == "Map"
    assert image_api["image"]["url"].startswith("/media/images/")
    assert file_api["document"]["url"] == document.url
    assert file_api["document"]["filename"] == document.filename
    assert video_api["media"]["url"] == f"/protected-media/{media.pk}/{media.filename}"


def quiz_raw(*questions, **settings):
    return {
        "title": "Check",
        "instructions": "",
        "attempts": 1,
        "pass_mark": "50",
        "grade_method": "highest",
        "feedback": "each",
        "questions": list(questions),
        **settings,
    }


def choice_question(kind, *flags):
    return {
        "type": kind,
        "value": {
            "prompt": "<p>Which?</p>",
            "points": "1",
            "feedback": "",
            "choices": [
                {
                    "type": "item",
                    "id": f"c{n}",
                    "value": {"text": f"c{n}", "correct": flag},
                }
                for n, flag in enumerate(flags)
            ],
        },
    }


@pytest.mark.parametrize(
    ("question", "message"),
    [
        # A true-or-false question says which; no default answers for the author.
        (
            {
                "type": "true_false",
                "value": {"prompt": "<p>Yes?</p>", "points": "1", "feedback": ""},
            },
            "'answer': {'messages': ['This field is required.']}",
        ),
        (
            choice_question("single_choice", False, False),
            "Mark exactly one choice as correct.",
        ),
        (
            choice_question("single_choice", True, True),
            "Mark exactly one choice as correct.",
        ),
        (
            choice_question("multiple_choice", False, False),
            "Mark at least one choice as correct.",
        ),
    ],
)
def test_a_quiz_whose_answers_are_not_all_given_is_refused(question, message):
    block = QuizBlock()
    with pytest.raises(ValidationError) as refused:
        block.clean(block.to_python(quiz_raw(question)))
    assert message in str(refused.value.as_json_data())


def test_a_quiz_cannot_draw_more_questions_than_it_has():
    block = QuizBlock()
    value = block.to_python(
        quiz_raw(choice_question("single_choice", True, False), draw=2)
    )
    with pytest.raises(ValidationError) as refused:
        block.clean(value)
    assert "Only 1 question to draw from." in str(refused.value.as_json_data())
    block.clean(
        block.to_python(quiz_raw(choice_question("single_choice", True, False)))
    )
