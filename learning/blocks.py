"""The blocks a module's body is made of: text, image, file, video, quiz and
assignment."""

import re

from django.core.exceptions import ValidationError
from django.template.defaultfilters import pluralize
from django.urls import reverse
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtailmedia.blocks import AbstractMediaChooserBlock

from learning.converters import BlockIdConverter


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


# --- Assessment: a quiz and an assignment in a module's body ----------------------
# Their answers (which choice is right, accepted answers, tolerances, feedback) are
# for the server only: a quiz shows on the page, in the search index and in both
# APIs as its title, instructions and settings; its questions reach a student only
# in an attempt, from a copy without the answers (the assessment app).


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=500)
    correct = blocks.BooleanBlock(required=False)
    feedback = blocks.CharBlock(
        required=False, max_length=500, help_text="Shown when this choice is picked"
    )

    class Meta:
        icon = "radio-full"
        label_format = "{text}"


def question_fields(**extra):
    """The fields every kind of question has, with the kind's own in between."""
    return [
        ("prompt", blocks.RichTextBlock(features=["bold", "italic", "code", "link"])),
        *extra.items(),
        (
            "points",
            blocks.DecimalBlock(
                default=1, min_value=0, max_value=1000, decimal_places=2
            ),
        ),
        (
            "feedback",
            blocks.CharBlock(
                required=False,
                max_length=1000,
                help_text="Shown with the result, whatever was answered",
            ),
        ),
    ]


class SingleChoiceQuestion(blocks.StructBlock):
    def __init__(self, **kwargs):
        super().__init__(
            question_fields(choices=blocks.ListBlock(ChoiceBlock(), min_num=2)),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        right = sum(1 for choice in value["choices"] if choice["correct"])
        if right != 1:
            raise blocks.StructBlockValidationError(
                block_errors={
                    "choices": ValidationError("Mark exactly one choice as correct.")
                }
            )
        return value

    class Meta:
        icon = "radio-full"
        label = "Single choice"


SCORING = [
    ("all_or_nothing", "All or nothing"),
    ("partial", "Partial credit (a share per right choice, none if a wrong one)"),
    ("right_minus_wrong", "Right minus wrong (never below 0)"),
]


class MultipleChoiceQuestion(blocks.StructBlock):
    def __init__(self, **kwargs):
        super().__init__(
            question_fields(
                choices=blocks.ListBlock(ChoiceBlock(), min_num=2),
                scoring=blocks.ChoiceBlock(choices=SCORING, default="all_or_nothing"),
            ),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if not any(choice["correct"] for choice in value["choices"]):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "choices": ValidationError("Mark at least one choice as correct.")
                }
            )
        return value

    class Meta:
        icon = "list-ul"
        label = "Multiple choice"


class TrueFalseQuestion(blocks.StructBlock):
    def __init__(self, **kwargs):
        super().__init__(
            question_fields(
                # No default: an author who forgets to say which would set "True".
                answer=blocks.ChoiceBlock(
                    choices=[("true", "True"), ("false", "False")]
                )
            ),
            **kwargs,
        )

    class Meta:
        icon = "tick"
        label = "True or false"


class ShortTextQuestion(blocks.StructBlock):
    def __init__(self, **kwargs):
        super().__init__(
            question_fields(
                accepted=blocks.ListBlock(
                    blocks.CharBlock(max_length=200),
                    min_num=1,
                    help_text="Compared without case and extra spaces",
                )
            ),
            **kwargs,
        )

    class Meta:
        icon = "edit"
        label = "Short text"


class NumericQuestion(blocks.StructBlock):
    def __init__(self, **kwargs):
        super().__init__(
            question_fields(
                value=blocks.DecimalBlock(decimal_places=6),
                tolerance=blocks.DecimalBlock(
                    default=0, min_value=0, decimal_places=6, help_text="±"
                ),
            ),
            **kwargs,
        )

    class Meta:
        icon = "decimal"
        label = "Number"


class OrderingQuestion(blocks.StructBlock):
    def __init__(self, **kwargs):
        super().__init__(
            question_fields(
                items=blocks.ListBlock(
                    blocks.CharBlock(max_length=300),
                    min_num=2,
                    help_text="In the right order; students get them shuffled",
                )
            ),
            **kwargs,
        )

    class Meta:
        icon = "order"
        label = "Ordering"


class QuestionsBlock(blocks.StreamBlock):
    single_choice = SingleChoiceQuestion()
    multiple_choice = MultipleChoiceQuestion()
    true_false = TrueFalseQuestion()
    short_text = ShortTextQuestion()
    numeric = NumericQuestion()
    ordering = OrderingQuestion()

    class Meta:
        min_num = 1


GRADE_METHODS = [
    ("highest", "Highest attempt"),
    ("last", "Last attempt"),
    ("first", "First attempt"),
    ("average", "Average of attempts"),
]
FEEDBACK_WHEN = [
    ("each", "After each attempt"),
    ("last", "After the last attempt"),
    ("never", "Never"),
]


class LinkedBlock(blocks.StructBlock):
    """A block with a page of its own for each student (a quiz, an assignment),
    reached by the block's id: `link_id` in its template, or None for an id no
    path can hold (only hand-written JSON has such ids; the block then shows
    without its link rather than failing the module's page)."""

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        block_id = (parent_context or {}).get("block_id")
        context["link_id"] = (
            block_id
            if isinstance(block_id, str)
            and re.fullmatch(BlockIdConverter.regex, block_id)
            else None
        )
        return context


class QuizBlock(LinkedBlock):
    """A quiz graded on the server (the assessment app serves and grades it)."""

    title = blocks.CharBlock(max_length=200)
    instructions = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "ol", "ul", "link"]
    )
    attempts = blocks.IntegerBlock(
        default=1, min_value=0, help_text="Attempts allowed; 0 for no limit"
    )
    time_limit = blocks.IntegerBlock(
        required=False, min_value=1, help_text="Minutes per attempt; empty for none"
    )
    pass_mark = blocks.DecimalBlock(
        default=50, min_value=0, max_value=100, decimal_places=2, help_text="Percent"
    )
    grade_method = blocks.ChoiceBlock(choices=GRADE_METHODS, default="highest")
    shuffle_questions = blocks.BooleanBlock(required=False)
    shuffle_choices = blocks.BooleanBlock(required=False)
    draw = blocks.IntegerBlock(
        required=False,
        min_value=1,
        help_text="Questions drawn at random for each attempt; empty for all",
    )
    feedback = blocks.ChoiceBlock(choices=FEEDBACK_WHEN, default="each")
    pass_to_complete = blocks.BooleanBlock(
        required=False, help_text="The module is done when the student passes"
    )
    questions = QuestionsBlock()

    def clean(self, value):
        value = super().clean(value)
        draw, count = value.get("draw"), len(value["questions"])
        if draw and draw > count:
            raise blocks.StructBlockValidationError(
                block_errors={
                    "draw": ValidationError(
                        f"Only {count} question{pluralize(count)} to draw from."
                    )
                }
            )
        return value

    def get_searchable_content(self, value):
        # Never the questions: accepted answers and feedback would be searchable.
        return [
            value["title"],
            *self.child_blocks["instructions"].get_searchable_content(
                value["instructions"]
            ),
        ]

    def get_api_representation(self, value, context=None):
        return quiz_summary(value)

    class Meta:
        icon = "help"
        template = "learning/blocks/quiz_block.html"
        description = "A quiz, graded on the server"
        preview_value = {
            "title": "Check yourself",
            "instructions": "<p>Three questions on this module.</p>",
            "attempts": 2,
            "pass_mark": 60,
            "questions": [
                {
                    "type": "true_false",
                    "value": {"prompt": "<p>A module can hold a quiz.</p>"},
                }
            ],
        }


def quiz_summary(value):
    """What anyone who may read the module may know of a quiz before taking it."""
    draw = value.get("draw")
    return {
        "title": value["title"],
        "instructions": str(value["instructions"].source)
        if value.get("instructions")
        else "",
        "attempts": value["attempts"],
        "time_limit": value.get("time_limit"),
        "pass_mark": str(value["pass_mark"]),
        "grade_method": value["grade_method"],
        "questions": draw or len(value["questions"]),
        "pass_to_complete": bool(value.get("pass_to_complete")),
    }


HAND_IN = [("text", "Text"), ("files", "Files"), ("both", "Text and files")]


class AssignmentBlock(LinkedBlock):
    """Work handed in and graded by the course's staff (the assessment app)."""

    title = blocks.CharBlock(max_length=200)
    instructions = blocks.RichTextBlock(
        features=["h3", "bold", "italic", "ol", "ul", "link", "code"]
    )
    due = blocks.DateTimeBlock(required=False)
    points = blocks.DecimalBlock(
        default=10, min_value=0, max_value=1000, decimal_places=2
    )
    hand_in = blocks.ChoiceBlock(choices=HAND_IN, default="text")
    file_types = blocks.CharBlock(
        required=False,
        max_length=200,
        default="pdf, docx, odt, txt, png, jpg, zip",
        help_text="Extensions allowed, separated by commas",
    )
    max_size = blocks.IntegerBlock(
        default=10, min_value=1, max_value=100, help_text="Megabytes per file"
    )
    late = blocks.BooleanBlock(
        required=False, help_text="Accept work handed in after the due date"
    )

    def get_api_representation(self, value, context=None):
        return {
            "title": value["title"],
            "instructions": str(value["instructions"].source),
            "due": value["due"].isoformat() if value.get("due") else None,
            "points": str(value["points"]),
            "hand_in": value["hand_in"],
            "file_types": value.get("file_types", ""),
            "max_size": value["max_size"],
            "late": bool(value.get("late")),
        }

    class Meta:
        icon = "form"
        template = "learning/blocks/assignment_block.html"
        description = "Work to hand in"
        preview_value = {
            "title": "Explain it to a friend",
            "instructions": "<p>Three sentences on the main idea.</p>",
            "points": 10,
        }


class ModuleBodyBlock(blocks.StreamBlock):
    """What a module teaches, in the order the instructor arranged it."""

    text = TextBlock()
    image = ImageBlock()
    file = FileBlock()
    video = VideoBlock()
    quiz = QuizBlock()
    assignment = AssignmentBlock()
