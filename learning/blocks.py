"""The blocks a module's body is made of: text, image, file and video."""

from django.core.exceptions import ValidationError
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
        return ""


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
            raise blocks.StructBlockValidationError(
                block_errors={
                    "media": ValidationError(
                        "Choose an uploaded file or give a video address, not both."
                    )
                }
            )
        return value

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
                "url": media.url,
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
