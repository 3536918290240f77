"""The catalogue's filters: subject, level and language, a sort order, and the
number of courses behind each option (a faceted search).

The form reads a plain GET query (`?subject=maths&level=beginner&sort=title`), so
it works without JavaScript. Only known values are accepted: the catalogue answers
400 to anything else (`CatalogPage.serve`), so no answer is cached under a made-up
value (sitecache keys cached pages by these parameters: `cache_query_parameters`).
The counts come from one grouped query of the catalogue's courses (`facets`).
"""

from django import forms
from django.utils.http import urlencode

BEGINNER, INTERMEDIATE, ADVANCED = "beginner", "intermediate", "advanced"
LEVELS = [
    (BEGINNER, "Beginner"),
    (INTERMEDIATE, "Intermediate"),
    (ADVANCED, "Advanced"),
]

# The languages a course may be taught in (ISO 639-1 codes), shown by name.
ENGLISH = "en"
LANGUAGES = [
    (ENGLISH, "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
]

NEWEST, TITLE, POPULAR = "newest", "title", "popular"
SORTS = [
    (NEWEST, "Newest first"),
    (TITLE, "Title, A to Z"),
    (POPULAR, "Most enrolled"),
]

# The query parameters the catalogue reads besides the page number, in the order
# its links write them.
PARAMETERS = ("subject", "level", "language", "sort")


class CatalogueFilterForm(forms.Form):
    """What a visitor asked the catalogue for; blank means "any"."""

    subject = forms.ChoiceField(required=False)
    level = forms.ChoiceField(required=False, choices=[("", "Any level"), *LEVELS])
    language = forms.ChoiceField(
        required=False, choices=[("", "Any language"), *LANGUAGES]
    )
    sort = forms.ChoiceField(required=False, choices=SORTS)

    def __init__(self, data, subjects):
        super().__init__(data)
        self.fields["subject"].choices = [("", "All subjects")] + [
            (subject.slug, subject.title) for subject in subjects
        ]

    def active(self):
        """{parameter: value} of the valid, non-blank choices (an invalid one is
        left out: the page answers 400 and shows the rest)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        active = {name: cleaned.get(name) for name in PARAMETERS}
        if active["sort"] == NEWEST:
            active["sort"] = ""  # the default: one address for it
        return {name: value for name, value in active.items() if value}


class Facet:
    """One filter (subject, level, language): its options with their counts."""

    def __init__(self, name, legend, options, chosen):
        self.name = name
        self.legend = legend
        self.options = options  # (value, label, count, checked)
        self.chosen = chosen


def facets(rows, active, subjects):
    """The subject, level and language facets of the courses `rows` describes.

    `rows` are `(subject_slug, level, language, number)` for every combination the
    catalogue's courses have (one grouped query). Each option counts the courses
    that match it and the *other* active filters, as faceted searches do.
    """
    keys = ("subject", "level", "language")

    def count(name, value):
        wanted = {key: active.get(key) for key in keys if key != name}
        if value:
            wanted[name] = value
        return sum(
            number
            for *values, number in rows
            if all(
                not wanted_value or values[keys.index(key)] == wanted_value
                for key, wanted_value in wanted.items()
            )
        )

    def facet(name, legend, any_label, choices):
        chosen = active.get(name, "")
        options = [("", any_label, count(name, ""), not chosen)]
        options += [
            (value, label, count(name, value), value == chosen)
            for value, label in choices
        ]
        return Facet(name, legend, options, chosen)

    return [
        facet(
            "subject",
            "Subject",
            "All subjects",
            [(subject.slug, subject.title) for subject in subjects],
        ),
        facet("level", "Level", "Any level", LEVELS),
        facet("language", "Language", "Any language", LANGUAGES),
    ]


def query_prefix(active):
    """The active filters as the start of a query string ("level=beginner&"), for
    links that add a page number."""
    pairs = [(name, active[name]) for name in PARAMETERS if name in active]
    return f"{urlencode(pairs)}&" if pairs else ""
