"""Site search over the published catalogue, through Wagtail's search backend.

The index holds subjects, courses (title, overview, and the titles and descriptions
of their modules, which the course page shows everyone) and modules (title,
description, and what `ModulePage.search_fields` takes from the body). A module that
matches counts for its course: results are courses, best first, each with the
modules that matched.

Module entries are searched only among the courses whose contents the user may see
(`learning.access.viewable_courses`): for everyone else the words of a module's body
take no part in the search at all (not in what matches, how it ranks, the counts or
the fallback to any word), so results cannot tell whether a course's contents hold
a word.

Terms typed by users never reach the backend as they were typed: they are cut into
words of letters and digits (`terms_of`), so quotes, operators and punctuation are
ordinary text and no input can make the query invalid on SQLite's FTS5 or on
PostgreSQL's tsquery. Stopwords ("the", "of") are left out (`searched_terms`), on
every backend alike: PostgreSQL's English configuration drops them from its index,
SQLite's FTS5 would match them everywhere; a query of stopwords only searches nothing.

On PostgreSQL a search that finds nothing tries again by trigram similarity
(pg_trgm, `search` migration 0001) with course titles and instructors' names, public
fields, so typos ("pyhton") still find a course; a page of no results suggests the
closest titles.
"""

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, FloatField, IntegerField, Q, When
from django.db.models.functions import Greatest
from django.utils.html import escape
from django.utils.safestring import mark_safe
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtail.rich_text import get_text_for_indexing
from wagtailmedia.models import get_media_model

from learning.access import viewable_courses
from learning.models import (
    CatalogPage,
    CoursePage,
    ModulePage,
    SubjectPage,
    parent_path_of,
)

# Only the start of a long query is read: nobody types more on purpose, and every
# extra term is another clause in the full-text query.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_TERM_LENGTH = 50
# Relevance is decided over this many matching pages; courses further down the
# ranking are not worth a page of their own.
MAX_HITS = 500
SEARCH_PAGE_SIZE = 10
MODULES_PER_COURSE = 3
SNIPPET_LENGTH = 220

WORD = re.compile(r"[^\W_]+")

# PostgreSQL's English stopwords (its `english` text search configuration): words
# so common that they say nothing about what a course teaches.
_STOPWORDS_TEXT = """
    a about above after again against all am an and any are as at be because been
    before being below between both but by can did do does doing don down during each
    few for from further had has have having he her here hers herself him himself his
    how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own s same she should so
    some such t than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while
    who whom why will with you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Trigram word similarity (0 to 1) from which a title or a name counts as a typo of
# a search word: "pyhton" is 0.29 from "Python", "physics" 0.14.
TYPO_SIMILARITY = 0.25
# What a page of no results suggests: the closest titles, however far.
SUGGESTION_SIMILARITY = 0.1
SUGGESTIONS = 5


def terms_of(query):
    """The words of a typed query, lower-cased and de-duplicated, in order.

    Words are runs of letters and digits in any script; everything else (quotes,
    operators' symbols, punctuation, emoji, control characters) separates them.
    """
    terms = []
    for word in WORD.findall((query or "")[:MAX_QUERY_LENGTH]):
        word = word.lower()[:MAX_TERM_LENGTH]
        if word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def searched_terms(terms):
    """`terms` without stopwords: the words a search looks for."""
    return [term for term in terms if term not in STOPWORDS]


def trigrams_available():
    """Whether the database compares words by trigrams (PostgreSQL's pg_trgm)."""
    return connection.vendor == "postgresql"


def _closest_courses(terms, threshold, limit=MAX_HITS):
    """Published courses whose title or instructor's name is closest to any term,
    by trigram word similarity, best first (public fields only)."""
    scores = [
        Greatest(
            TrigramWordSimilarity(term, "title"),
            TrigramWordSimilarity(term, "owner__first_name"),
            TrigramWordSimilarity(term, "owner__last_name"),
            output_field=FloatField(),
        )
        for term in terms
    ]
    score = scores[0] if len(scores) == 1 else Greatest(*scores)
    return (
        CoursePage.objects.live()
        .public()
        .annotate(closeness=score)
        .filter(closeness__gte=threshold)
        .order_by("-closeness", "title")[:limit]
    )


def _ranked(queryset, terms):
    """Pages of `queryset` matching `terms`, best first.

    Every term must match; when no page has them all, any term will do, so a
    query whose words are spread over a course and its modules still finds it.
    """
    if not terms:
        return []
    query = " ".join(terms)
    hits = list(queryset.search(query, operator="and")[:MAX_HITS])
    if not hits and len(terms) > 1:
        hits = list(queryset.search(query, operator="or")[:MAX_HITS])
    return hits


@dataclass
class Readable:
    """The courses whose module entries a user's search may look at."""

    every: bool  # a superuser: all of them
    paths: dict  # {course path: depth} otherwise

    def __contains__(self, path):
        return self.every or path in self.paths


def readable_for(user):
    """The user's Readable courses: no query for visitors, one otherwise."""
    if user is None or not user.is_authenticated:
        return Readable(every=False, paths={})
    courses = viewable_courses(user)
    if courses is None:
        return Readable(every=True, paths={})
    return Readable(every=False, paths=dict(courses.values_list("path", "depth")))


def _searched_pages(readable):
    """Courses, and the modules of the courses the user may read.

    Module entries hold body text; leaving out the unreadable ones before the
    search (not after) keeps them out of the ranking and the any-word fallback too.
    """
    pages = Page.objects.live().public()
    if readable.every:
        return pages.type(CoursePage, ModulePage)
    courses = Q(content_type=ContentType.objects.get_for_model(CoursePage))
    if not readable.paths:
        return pages.filter(courses)
    modules = Q(content_type=ContentType.objects.get_for_model(ModulePage)) & reduce(
        or_,
        (
            Q(path__startswith=path, depth=depth + 1)
            for path, depth in readable.paths.items()
        ),
    )
    return pages.filter(courses | modules)


def _course_hits(terms, readable):
    """Matching course paths, best first, each with its matched modules' ids.

    Courses whose own title holds a term come first, then the backend's ranking:
    full-text ranks favour short texts, and a one-line module would otherwise
    outrank the course named for the word.
    """
    module_type = ContentType.objects.get_for_model(ModulePage).pk
    pattern = _term_pattern(terms)
    courses, named = {}, set()
    for page in _ranked(_searched_pages(readable), terms):
        if page.content_type_id == module_type:
            courses.setdefault(parent_path_of(page.path), []).append(page.pk)
        else:
            courses.setdefault(page.path, [])
            if pattern.search(page.title):
                named.add(page.path)
    order = sorted(courses, key=lambda path: path not in named)
    return {path: courses[path] for path in order}


def _typo_hits(terms):
    """({course path: []}, near words) for the courses close to `terms` by
    trigrams, best first, and the words of their titles and instructors' names that
    are nearest the terms; nothing where the database has no trigrams."""
    if not terms or not trigrams_available():
        return {}, []
    rows = _closest_courses(terms, TYPO_SIMILARITY).values_list(
        "path", "title", "owner__first_name", "owner__last_name"
    )
    # Trigrams find candidates; a course counts only if one of its words is a
    # typo of a term (trigrams alone put "zebra" near "algebra").
    hits, near = {}, []
    for path, *texts in rows:
        words = {w for text in texts for w in WORD.findall((text or "").lower())}
        typos = [w for term in terms for w in sorted(words) if is_typo(term, w)]
        if typos:
            hits[path] = []
            near.extend(w for w in typos if w not in near)
    return hits, near


def is_typo(term, word):
    """Whether `word` may be what `term` meant: the same first letter (typists
    rarely miss it) and at most one slip (a letter wrong, missing, extra, or two
    swapped) in a short word, two in a longer one."""
    if term == word or not term or not word or term[0] != word[0]:
        return False
    return _slips(term, word) <= (1 if len(term) <= 5 else 2)


def _slips(a, b):
    """Edits from `a` to `b`, a swap of neighbours counting as one (the optimal
    string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (x != y)))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _course_hits_or_close(terms, readable):
    """(hits, near): `_course_hits`, or when there are none the courses close to
    the terms by trigrams; `near` is then the list of words they were close to
    (None when the hits matched the terms themselves)."""
    hits = _course_hits(terms, readable)
    if hits:
        return hits, None
    close, near = _typo_hits(terms)
    return close, (near if close else None)


def _live_course_ids(paths):
    """{path: pk} of the published, public courses among `paths`."""
    return dict(
        CoursePage.objects.live()
        .public()
        .filter(path__in=list(paths))
        .values_list("path", "pk")
    )


def search_courses(queryset, term, user=None):
    """The courses of `queryset` (or all published ones) matching `term`, best first.

    A course matches by its own title and overview, by its modules' titles and
    descriptions, and, for a `user` who may read its contents, by the text of its
    published modules. Without a user (or for one who may not read a course) module
    bodies play no part. Returns a queryset, so callers can paginate and serialize
    it; what it holds depends on `user`, so a cache of the answer must too.
    """
    if queryset is None:
        queryset = CoursePage.objects.live().public()
    terms = searched_terms(terms_of(term))
    if not terms:
        return queryset.none()
    hits, _near = _course_hits_or_close(terms, readable_for(user))
    live = _live_course_ids(hits)
    ids = [live[path] for path in hits if path in live]
    if not ids:
        return queryset.none()
    relevance = Case(
        *(When(pk=pk, then=rank) for rank, pk in enumerate(ids)),
        output_field=IntegerField(),
    )
    return queryset.filter(pk__in=ids).order_by(relevance)


def highlight(text, terms, length=SNIPPET_LENGTH):
    """An HTML excerpt of `text` around its first matched term, terms in <mark>.

    The text is escaped piece by piece around the matches, so nothing the text
    contains can become markup.
    """
    text = " ".join((text or "").split())
    pattern = _term_pattern(terms)
    first = pattern.search(text) if pattern else None
    start = 0
    if first and first.start() > length // 3:
        start = text.rfind(" ", 0, first.start() - length // 3) + 1
    end = start + length
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    excerpt = text[start:end]
    parts = ["…" if start else ""]
    position = 0
    for match in pattern.finditer(excerpt) if pattern else ():
        parts.append(escape(excerpt[position : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(escape(excerpt[position:]))
    parts.append("…" if end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def _term_pattern(terms):
    """Whole words that are a term, its plural, or a plural term's singular
    (backends may stem: "equations" finds "equation"); never a longer word that
    merely starts with a term ("the" is not found in "them")."""
    forms = set()
    for term in terms:
        forms.add(re.escape(term) + "(?:e?s)?")
        if len(term) > 3 and term.endswith("s"):
            forms.add(re.escape(term[:-1]))
            if term.endswith("es"):
                forms.add(re.escape(term[:-2]))
    if not forms:
        return None
    return re.compile(
        r"\b(?:" + "|".join(sorted(forms, key=len, reverse=True)) + r")\b",
        re.IGNORECASE,
    )


def _module_texts(modules):
    """{module pk: the words a reader of the module sees}, in a constant number of
    queries: block values are read raw, chosen files and videos fetched together.
    """
    document_ids, media_ids = set(), set()
    for module in modules:
        for block in module.body.raw_data:
            value = block.get("value") or {}
            if block.get("type") == "file" and value.get("document"):
                document_ids.add(value["document"])
            elif block.get("type") == "video" and value.get("media"):
                media_ids.add(value["media"])
    documents = dict(
        get_document_model()
        .objects.filter(pk__in=document_ids)
        .values_list("pk", "title")
        if document_ids
        else ()
    )
    media = dict(
        get_media_model().objects.filter(pk__in=media_ids).values_list("pk", "title")
        if media_ids
        else ()
    )
    texts = {}
    for module in modules:
        words = [module.description]
        for block in module.body.raw_data:
            kind, value = block.get("type"), block.get("value")
            if kind == "text":
                words.append(get_text_for_indexing(value or ""))
            elif kind == "image":
                words.append(value.get("caption", ""))
            elif kind == "file":
                words.append(documents.get(value.get("document"), ""))
                words.append(value.get("description", ""))
            elif kind == "video":
                words.append(media.get(value.get("media"), ""))
                words.append(value.get("caption", ""))
        texts[module.pk] = " ".join(word for word in words if word)
    return texts


@dataclass
class ModuleResult:
    """A module that matched, with an excerpt of its contents."""

    module: ModulePage
    snippet: str


@dataclass
class CourseResult:
    """A course in the results and, for those who may read them, its matched modules.

    `hidden_matches` counts matched modules the user may not open: the course is
    shown to them, its contents are not.
    """

    course: CoursePage
    subject: SubjectPage | None
    snippet: str
    can_view_contents: bool
    modules: list = field(default_factory=list)
    more_modules: int = 0
    hidden_matches: int = 0


@dataclass
class SubjectFacet:
    subject: SubjectPage
    count: int
    selected: bool


@dataclass
class SiteSearch:
    """One page of site search results and what is needed to refine them."""

    query: str
    terms: list  # the words searched for (and marked in snippets)
    page: object  # a Paginator page of CourseResult
    subjects: list  # SubjectFacet, subjects with matching courses
    subject: SubjectPage | None  # the subject the results are filtered by
    matching_subjects: list  # SubjectPage hits, shown on an unfiltered first page
    words: list = field(default_factory=list)  # every word typed
    ignored: list = field(default_factory=list)  # the stopwords left out
    near: list | None = None  # results are typos' courses: the words meant
    suggestions: list = field(default_factory=list)  # no results: closest courses
    all_subjects: list = field(default_factory=list)  # no results: to browse
    catalogue: Page | None = None  # no results: the whole catalogue

    @property
    def total(self):
        return self.page.paginator.count

    @property
    def only_stopwords(self):
        """Words were typed, and every one of them is too common to search for."""
        return bool(self.words) and not self.terms

    @property
    def close(self):
        """The results are the courses close to mistyped words."""
        return self.near is not None


def site_search(query, user, subject=None, page=None, per_page=SEARCH_PAGE_SIZE):
    """Run the site search for `query` as `user` sees it.

    `subject` is a subject's slug or id; `page` the page number as typed (bad
    numbers give the nearest page, as Paginator.get_page does). When nothing is
    found, the answer carries suggestions: the closest course titles (PostgreSQL),
    the subjects and the catalogue.
    """
    query = (query or "")[:MAX_QUERY_LENGTH]
    words = terms_of(query)
    terms = searched_terms(words)
    readable = readable_for(user) if terms else Readable(every=False, paths={})
    hits, near = _course_hits_or_close(terms, readable) if terms else ({}, None)
    live = _live_course_ids(hits) if hits else {}
    ranked = [(path, live[path]) for path in hits if path in live]

    subjects = list(SubjectPage.objects.live().public().order_by("title"))
    subject_of = {s.path: s for s in subjects}
    selected = next(
        (s for s in subjects if subject and str(subject) in (s.slug, str(s.pk))), None
    )
    counts = {}
    for path, _pk in ranked:
        parent = parent_path_of(path)
        counts[parent] = counts.get(parent, 0) + 1
    facets = [
        SubjectFacet(s, counts[s.path], s is selected)
        for s in subjects
        if s.path in counts
    ]
    if selected:
        ranked = [(path, pk) for path, pk in ranked if path.startswith(selected.path)]

    marked = terms if near is None else near
    results = Paginator(ranked, per_page).get_page(page)
    results.object_list = _course_results(
        results.object_list, hits, subject_of, marked, readable
    )

    matching_subjects = []
    if terms and not selected and results.number == 1:
        matching_subjects = _ranked(SubjectPage.objects.live().public(), terms)
    search = SiteSearch(
        query,
        marked,
        results,
        facets,
        selected,
        matching_subjects,
        words=words,
        ignored=[word for word in words if word in STOPWORDS],
        near=near,
    )
    if words and not ranked:
        search.suggestions = _suggestions(terms)
        search.all_subjects = subjects
        search.catalogue = CatalogPage.objects.live().public().first()
    return search


def _suggestions(terms):
    """The courses whose titles are closest to `terms`, where the database can
    tell (PostgreSQL's trigrams), else none."""
    if not terms or not trigrams_available():
        return []
    return list(_closest_courses(terms, SUGGESTION_SIMILARITY, SUGGESTIONS))


def _outline_matches(paths, terms):
    """{course path: how many of its published modules' titles or descriptions
    (public on the course page) hold a term}, in one query."""
    pattern = _term_pattern(terms)
    if not paths or pattern is None:
        return {}
    under_any = reduce(
        or_,
        (
            Q(path__startswith=path, depth=len(path) // Page.steplen + 1)
            for path in paths
        ),
    )
    counts = {}
    rows = ModulePage.objects.live().filter(under_any)
    for path, title, description in rows.values_list("path", "title", "description"):
        if pattern.search(title) or pattern.search(description or ""):
            course_path = parent_path_of(path)
            counts[course_path] = counts.get(course_path, 0) + 1
    return counts


def _course_results(ranked, hits, subject_of, terms, readable):
    """The CourseResults of one page of (path, pk) pairs."""
    courses = CoursePage.objects.catalogue().in_bulk([pk for _path, pk in ranked])
    visible = {pk: path in readable for path, pk in ranked}
    shown_ids = [
        module_pk
        for path, pk in ranked
        if visible.get(pk)
        for module_pk in hits[path][:MODULES_PER_COURSE]
    ]
    modules = ModulePage.objects.in_bulk(shown_ids)
    texts = _module_texts(modules.values())
    # Those who may not read a course are told which of its public module titles
    # and descriptions matched (their bodies were not searched for them).
    outline = _outline_matches(
        [path for path, pk in ranked if not visible[pk] and pk in courses], terms
    )

    results = []
    for path, pk in ranked:
        course = courses.get(pk)
        if course is None:  # unpublished since the search ran
            continue
        matched = hits[path]
        result = CourseResult(
            course=course,
            subject=subject_of.get(parent_path_of(path)),
            snippet=highlight(get_text_for_indexing(course.overview), terms),
            can_view_contents=visible.get(pk, False),
        )
        if result.can_view_contents:
            result.modules = [
                ModuleResult(modules[m], highlight(texts[m], terms))
                for m in matched[:MODULES_PER_COURSE]
                if m in modules
            ]
            result.more_modules = max(0, len(matched) - MODULES_PER_COURSE)
        else:
            result.hidden_matches = outline.get(path, 0)
        results.append(result)
    return results
