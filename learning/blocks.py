"""The blocks a module's body is made of: text, image, file and video."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtailmedia.blocks import AbstractMediaChooserBlock


class TextBlock(blocks.RichTextBlock):
    """Formatted text: paragraphs, headings, lists, links."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "features",
            ["h2", "h3", "bold", "italic", "ol", "ul", "link", "code", "blockquote"],
        )
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "learning/blocks/text_block.html"
        preview_value = "<p>Every lesson starts with a <b>clear idea</b>.</p>"
        description = "Formatted text"


class ImageBlock(blocks.StructBlock):
    """An image with an optional caption."""

    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=255)

    def get_api_representation(self, value, context=None):
        image = value.get("image")
        if image is None:
            return {"image": None, "caption": value.get("caption", "")}
        rendition = image.get_rendition("max-1200x800")
        return {
            "image": {
                "id": image.pk,
                "title": image.title,
                "url": rendition.url,
                "width": rendition.width,
                "height": rendition.height,
                "alt": image.title,
            },
            "caption": value.get("caption", ""),
        }

    class Meta:
        icon = "image"
        template = "learning/blocks/image_block.html"
        preview_value = {"caption": "A figure from the lesson"}
        description = "An image with a caption"


class FileBlock(blocks.StructBlock):
    """A downloadable document."""

    document = DocumentChooserBlock()
    description = blocks.CharBlock(required=False, max_length=255)

    def get_api_representation(self, value, context=None):
        document = value.get("document")
        if document is None:
            return {"document": None, "description": value.get("description", "")}
        return {
            "document": {
                "id": document.pk,
                "title": document.title,
                "url": document.url,
                "filename": document.filename,
                "size": document.get_file_size(),
            },
            "description": value.get("description", ""),
        }

    class Meta:
        icon = "doc-full"
        template = "learning/blocks/file_block.html"
        preview_value = {"description": "Lecture notes"}
        description = "A file to download"


class MediaChooserBlock(AbstractMediaChooserBlock):
    """Chooses an uploaded video or audio file from wagtailmedia."""

    def render_basic(self, value, context=None):
        # VideoBlock's template renders the player.
        return ""


def protected_media_url(media):
    """Where a module's video or audio file is served, behind the access rule."""
    return reverse("protected_media", args=[media.pk, media.filename])


class VideoBlock(blocks.StructBlock):
    """A video: an uploaded video or audio file, or a YouTube/Vimeo URL."""

    media = MediaChooserBlock(required=False, help_text="An uploaded video or audio")
    url = EmbedBlock(
        required=False,
        max_width=960,
        help_text="Or a YouTube / Vimeo address",
    )
    caption = blocks.CharBlock(required=False, max_length=255)

    def clean(self, value):
        value = super().clean(value)
        has_media = bool(value.get("media"))
        has_url = bool(value.get("url"))
        if has_media == has_url:
            message = (
                "Choose an uploaded file or give a video address, not both."
                if has_media
                else "Choose an uploaded file or give a video address."
            )
            raise blocks.StructBlockValidationError(
                block_errors={"media": ValidationError(message)}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        media = value.get("media")
        context["media_url"] = protected_media_url(media) if media else None
        return context

    def get_api_representation(self, value, context=None):
        media = value.get("media")
        embed = value.get("url")
        return {
            "media": None
            if media is None
            else {
                "id": media.pk,
                "title": media.title,
                "type": media.type,
                "url": protected_media_url(media),
                "duration": media.duration,
            },
            "url": embed.url if embed else None,
            "caption": value.get("caption", ""),
        }

    class Meta:
        icon = "media"
        template = "learning/blocks/video_block.html"
        preview_value = {"caption": "A short demonstration"}
        description = "A video or audio clip"


class ModuleBodyBlock(blocks.StreamBlock):
    """What a module teaches, in the order the instructor arranged it."""

    text = TextBlock()
    image = ImageBlock()
    file = FileBlock()
    video = VideoBlock()
