"""Forms of the student side of assessment: handing in an assignment."""

import mimetypes
import os

from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename

MEGABYTE = 1024 * 1024
MAX_FILES = 10
MAX_TEXT = 100_000
# Room for the folders of `submission_path` inside the file field's max_length.
MAX_NAME = 150


def allowed_extensions(value):
    """The extensions an assignment block accepts, lower case without the dot
    (empty: any)."""
    found = []
    for part in (value.get("file_types") or "").split(","):
        extension = part.strip().lstrip(".").lower()
        if extension and extension not in found:
            found.append(extension)
    return found


def safe_filename(name):
    """The name a file is stored and offered under, or None when nothing usable is
    left of it: no folders, only letters, digits, `-`, `_` and `.`, no leading dot
    (a hidden file), and short enough for the storage path."""
    try:
        name = get_valid_filename(os.path.basename(name or ""))
    except SuspiciousFileOperation:
        return None
    name = name.lstrip(".")
    if not name:
        return None
    stem, extension = os.path.splitext(name)
    if len(name) > MAX_NAME:
        name = stem[: MAX_NAME - len(extension)] + extension
    return name


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not isinstance(data, list | tuple):
            data = [data] if data else []
        single = super().clean
        data = [item for item in data if item]
        if not data:
            single(None, initial)  # "required", when it is
            return []
        return [single(item, initial) for item in data]


class HandInForm(forms.Form):
    """One hand-in of an assignment block (`value`): its text and/or files, checked
    against what the block asks for. Each accepted file gets `safe_name` and
    `guessed_type`; what the browser claimed about it is not trusted."""

    def __init__(self, value, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.value = value
        self.hand_in = value["hand_in"]
        self.extensions = allowed_extensions(value)
        self.max_bytes = int(value["max_size"]) * MEGABYTE
        if self.hand_in in ("text", "both"):
            self.fields["text"] = forms.CharField(
                label="Your answer",
                widget=forms.Textarea(attrs={"rows": 12}),
                max_length=MAX_TEXT,
                strip=True,
                required=True,
                error_messages={"required": "Write your answer before handing in."},
            )
        if self.hand_in in ("files", "both"):
            attrs = {}
            if self.extensions:
                attrs["accept"] = ",".join(f".{ext}" for ext in self.extensions)
            self.fields["files"] = MultipleFileField(
                label="Your files",
                required=True,
                widget=MultipleFileInput(attrs=attrs),
                help_text=self.files_help(),
                error_messages={"required": "Choose at least one file to hand in."},
            )

    def files_help(self):
        types = ", ".join(self.extensions) if self.extensions else "any type"
        return (
            f"Up to {MAX_FILES} files of {filesizeformat(self.max_bytes)} each; "
            f"allowed: {types}."
        )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                f"Hand in at most {MAX_FILES} files at a time (you chose {len(files)})."
            )
        errors = []
        for upload in files:
            shown = upload.name or "A file"
            name = safe_filename(upload.name)
            if name is None:
                errors.append(f"“{shown}” has no usable file name: rename it.")
                continue
            extension = os.path.splitext(name)[1].lstrip(".").lower()
            if self.extensions and extension not in self.extensions:
                errors.append(
                    f"“{shown}” is not an allowed type "
                    f"(allowed: {', '.join(self.extensions)})."
                )
            if upload.size > self.max_bytes:
                errors.append(
                    f"“{shown}” is {filesizeformat(upload.size)}: the limit is "
                    f"{filesizeformat(self.max_bytes)} per file."
                )
            upload.safe_name = name
            upload.guessed_type = (
                mimetypes.guess_type(name)[0] or "application/octet-stream"
            )
        if errors:
            raise forms.ValidationError(errors)
        return files
