"""The course catalogue as a Wagtail page tree.

Home → Catalog (/courses/) → Subject → Course → Module. Module order is the page
order in the tree; a module's contents are the blocks of its body StreamField.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Length, Lower, Substr
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import COMMENTS_RELATION_NAME, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from learning.access import can_view_contents
from learning.blocks import ModuleBodyBlock
from learning.catalogue import (
    ENGLISH,
    LANGUAGES,
    LEVELS,
    PARAMETERS,
    POPULAR,
    TITLE,
    CatalogueFilterForm,
    facets,
    query_prefix,
)
from learning.permissions import OwnedPagePermissionTester
from sitecache import tags
from sitecache.pages import (
    CachedPageMixin,
    CachedRestrictionsMixin,
    CachedRoutingMixin,
    lineage,
    use_page_tags,
)
from sitecache.shells import ShellCachedPageMixin

CATALOG_PAGE_SIZE = 12
# What a course's "what you will learn" may hold (CoursePage.outcomes).
MAX_OUTCOMES = 12
MAX_OUTCOME_LENGTH = 200
# The rendition a course card shows; prefetched with the catalogue's courses.
COURSE_CARD_IMAGE = "fill-480x270"


class OwnedPagePermissionsMixin:
    """Page types whose publishing, locking and children follow their owner.

    Wagtail's "add" permission already limits editing to the pages a user owns;
    the tester returned here extends that to publishing and the rest (see
    `learning.permissions`).
    """

    # Whether users with "add" on the page may create children under it without
    # owning it (subjects: yes, any instructor may add a course).
    children_are_shared = False

    def permissions_for_user(self, user):
        return OwnedPagePermissionTester(
            user, self, children_are_shared=self.children_are_shared
        )


# What Page.save_revision() writes to a page's row: the draft's bookkeeping. The live
# fields, which visitors, searches and the access rule read, stay as they were.
DRAFT_FIELDS = frozenset(
    {
        COMMENTS_RELATION_NAME,
        "latest_revision_created_at",
        "draft_title",
        "latest_revision",
        "has_unpublished_changes",
    }
)


def saved_only_a_draft(update_fields):
    """Whether a page's save with these `update_fields` wrote only a draft's
    bookkeeping (post_save receivers skip what a draft cannot change)."""
    return update_fields is not None and set(update_fields) <= DRAFT_FIELDS


class IndexedBySearchMixin:
    """Its search index entry is kept by the search app (search.signals) rather than
    by Wagtail's handler, which rebuilds the entry on every save, a draft's too,
    though a draft changes nothing a search finds."""

    search_auto_update = False


class HomePage(
    IndexedBySearchMixin,
    CachedRoutingMixin,
    CachedRestrictionsMixin,
    CachedPageMixin,
    Page,
):
    """The site's front page: a welcome, the newest courses and every subject.

    It routes every address under it from the cache (sitecache.pages).
    """

    intro = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["learning.CatalogPage"]
    max_count = 1

    # It lists every subject with its number of courses.
    extra_cache_tags = ("tree",)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["catalog"] = CatalogPage.objects.live().first()
        context["latest_courses"] = CoursePage.objects.catalogue()[:6]
        context["subjects"] = SubjectPage.objects.live().public().with_course_counts()
        return context


class CatalogPage(
    IndexedBySearchMixin,
    CachedRestrictionsMixin,
    OwnedPagePermissionsMixin,
    CachedPageMixin,
    Page,
):
    """The course catalogue: every subject and its published courses."""

    intro = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    parent_page_types = ["learning.HomePage"]
    subpage_types = ["learning.SubjectPage"]
    max_count = 1

    # It lists every subject with its number of courses.
    extra_cache_tags = ("tree",)

    def subjects(self):
        """Published subjects of this catalogue with their number of courses."""
        return SubjectPage.objects.child_of(self).live().public().with_course_counts()

    # The filters and sort it reads (learning.catalogue): its cached answers are
    # keyed by them (sitecache.pages.cacheable_query).
    cache_query_parameters = PARAMETERS

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        subjects = list(self.subjects())
        form = CatalogueFilterForm(request.GET, subjects)
        active = form.active()
        sort = active.get("sort")
        filter_key = query_prefix(active)
        if sort == POPULAR:
            # The order follows enrollments: the answer is keyed by their tag too,
            # its token read before the counts are.
            use_page_tags([*self.cache_tags, "enrollments"])
            filter_key += tags.token("enrollments")
        in_catalogue = CoursePage.objects.live().public().descendant_of(self)
        courses = CoursePage.objects.catalogue().descendant_of(self)
        courses = filter_courses(courses, active, subjects).sorted_by(sort)
        context["catalog"] = self
        context["subjects"] = subjects
        context["filter_errors"] = [
            f"{form.fields[name].label or name.title()}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        ]
        context["facets"] = facets(in_catalogue.facet_rows(subjects), active, subjects)
        context["sort"] = sort or ""
        context["sorts"] = CatalogueFilterForm.base_fields["sort"].choices
        context["filters_active"] = bool(active)
        context["filter_query"] = query_prefix(active)
        context["filter_key"] = filter_key
        context["courses"] = paginate(request, courses)
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if context.get("filter_errors"):
            # An unknown filter value: said so, and never cached (only 200s are).
            response.status_code = 400
        if any(name in request.GET for name in self.cache_query_parameters):
            # The front cache is purged by page number only (learning.frontcache):
            # it must not keep an address with filters that no purge would reach,
            # even when their values are the defaults (the form sends them all).
            response["X-Accel-Expires"] = "0"
        return response


def filter_courses(courses, active, subjects):
    """`courses` narrowed to the active subject, level and language."""
    slug = active.get("subject")
    if slug:
        subject = next(each for each in subjects if each.slug == slug)
        courses = courses.child_of(subject)
    if active.get("level"):
        courses = courses.filter(level=active["level"])
    if active.get("language"):
        courses = courses.filter(language=active["language"])
    return courses


def count_of(pages):
    """How many of `pages` (filtered on an outer page) there are, as a subquery
    (0 for none): one query for a listing of any length."""
    return Coalesce(
        Subquery(
            pages.order_by().values("depth").annotate(n=Count("pk")).values("n")[:1]
        ),
        0,
    )


class SubjectQuerySet(PageQuerySet):
    def with_course_counts(self):
        """Annotate `total_courses`: published courses in each subject."""
        live_courses = CoursePage.objects.live().public().filter(children_of_outer())
        return self.annotate(total_courses=count_of(live_courses)).order_by("title")


class SubjectPage(
    IndexedBySearchMixin,
    CachedRestrictionsMixin,
    OwnedPagePermissionsMixin,
    CachedPageMixin,
    Page,
):
    """A subject such as Mathematics: a filter on the catalogue."""

    description = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("description")]
    search_fields = Page.search_fields + [index.SearchField("description")]
    api_fields = [APIField("description")]

    parent_page_types = ["learning.CatalogPage"]
    subpage_types = ["learning.CoursePage"]

    objects = PageManager.from_queryset(SubjectQuerySet)()

    # Any instructor may add a course under any subject.
    children_are_shared = True

    # Its page lists every subject; every subject list shows its title.
    extra_cache_tags = ("tree",)
    extra_changed_cache_tags = ("tree",)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        catalog = CatalogPage.objects.ancestor_of(self).first()
        context["catalog"] = catalog
        context["subjects"] = catalog.subjects() if catalog else []
        context["courses"] = paginate(
            request, CoursePage.objects.catalogue().child_of(self)
        )
        return context


class CourseQuerySet(PageQuerySet):
    def with_module_counts(self):
        """Annotate `total_modules`: the modules students see in each course.

        `ModulePage.objects.live_for_students()` in each course: its published
        modules while the course is published, none otherwise (read from the
        outer course itself, which costs nothing per module).
        """
        live_modules = ModulePage.objects.live().filter(children_of_outer())
        return self.annotate(
            total_modules=Case(
                When(live=True, then=count_of(live_modules)), default=Value(0)
            )
        )

    def catalogue(self):
        """Published courses as the catalogue lists them, newest first.

        Owner, image and the card's image rendition come with the courses, so a
        listing costs the same few queries however many courses it shows.
        """
        images = get_image_model().objects.prefetch_renditions(COURSE_CARD_IMAGE)
        return (
            self.live()
            .public()
            .with_module_counts()
            .select_related("owner")
            .prefetch_related(Prefetch("image", queryset=images))
            .order_by("-created", "pk")
        )

    def sorted_by(self, sort):
        """In the catalogue's `sort` order (learning.catalogue.SORTS; newest first
        by default)."""
        if sort == TITLE:
            return self.order_by(Lower("title"), "pk")
        if sort == POPULAR:
            return self.with_enrollment_counts().order_by(
                "-total_students", "-created", "pk"
            )
        return self.order_by("-created", "pk")

    def with_enrollment_counts(self):
        """Annotate `total_students`: the students enrolled in each course.

        The enrollments are the classroom's (its `enrollments` relation to a
        course); they are counted here, in one subquery, without importing it.
        """
        enrollment = CoursePage._meta.get_field("enrollments").related_model
        students = enrollment.objects.filter(course=OuterRef("pk"))
        return self.annotate(
            total_students=Coalesce(
                Subquery(
                    students.order_by()
                    .values("course")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            )
        )

    def facet_rows(self, subjects):
        """`(subject slug, level, language, number of courses)` for each combination
        these courses have, in one grouped query (learning.catalogue.facets).
        Courses outside `subjects` count with a subject of None."""
        slugs = {subject.path: subject.slug for subject in subjects}
        rows = (
            self.order_by()
            .annotate(parent=parent_path())
            .values_list("parent", "level", "language")
            .annotate(number=Count("pk"))
        )
        return [
            (slugs.get(parent), level, language, number)
            for parent, level, language, number in rows
        ]


class CoursePage(
    IndexedBySearchMixin,
    CachedRestrictionsMixin,
    OwnedPagePermissionsMixin,
    ShellCachedPageMixin,
    CachedPageMixin,
    Page,
):
    """A course: an overview and the modules that teach it."""

    overview = RichTextField(blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    pass_mark = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="The share of the course's graded points a student needs to pass, "
        "in percent",
    )
    cover_alt = models.CharField(
        "cover description",
        max_length=250,
        blank=True,
        help_text="What the cover image shows, for people who cannot see it "
        "(required with an image)",
    )
    level = models.CharField(max_length=20, choices=LEVELS, blank=True)
    estimated_hours = models.PositiveSmallIntegerField(
        "estimated hours",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="About how many hours of study the course takes, in whole hours",
    )
    language = models.CharField(
        max_length=8,
        choices=LANGUAGES,
        default=ENGLISH,
        # Blank is allowed (not listed under any language) so that a form or script
        # that leaves it out still saves, as for the level.
        blank=True,
        help_text="The language the course is taught in",
    )
    # A text field rather than a StreamField: one line per outcome is quick to
    # type, paste and reorder, and every form (admin, scripts, tests) can post it.
    outcomes = models.TextField(
        "what you will learn",
        blank=True,
        help_text="One outcome per line, e.g. \u201cSolve linear equations\u201d "
        f"(at most {MAX_OUTCOMES}, each under {MAX_OUTCOME_LENGTH} characters)",
    )
    prerequisites = models.TextField(
        blank=True,
        help_text="What a student should know or have before starting",
    )

    content_panels = Page.content_panels + [
        FieldPanel("overview"),
        MultiFieldPanel(
            [FieldPanel("image"), FieldPanel("cover_alt")], heading="Cover image"
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("level"),
                        FieldPanel("estimated_hours"),
                        FieldPanel("language"),
                    ]
                ),
                FieldPanel("outcomes"),
                FieldPanel("prerequisites"),
            ],
            heading="About the course",
        ),
        FieldPanel("pass_mark"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("overview"),
        index.SearchField("public_module_text"),
        # Its instructor's name, shown on the course page: search.signals reindexes
        # their courses when it changes.
        index.RelatedFields(
            "owner", [index.SearchField("first_name"), index.SearchField("last_name")]
        ),
    ]
    api_fields = [
        APIField("overview"),
        APIField("image"),
        APIField("created"),
        APIField("owner_id"),
        APIField("cover_alt"),
        APIField("level"),
        APIField("estimated_hours"),
        APIField("language"),
        APIField(
            "outcomes",
            serializer=serializers.ListField(
                source="outcome_list", child=serializers.CharField()
            ),
        ),
        APIField("prerequisites"),
    ]

    parent_page_types = ["learning.SubjectPage"]
    subpage_types = ["learning.ModulePage"]

    objects = PageManager.from_queryset(CourseQuerySet)()

    def clean(self):
        super().clean()
        errors = {}
        if self.image_id and not self.cover_alt.strip():
            errors["cover_alt"] = (
                "Describe the cover image for those who cannot see it."
            )
        outcomes = self.outcome_list()
        if len(outcomes) > MAX_OUTCOMES:
            errors["outcomes"] = f"Keep to {MAX_OUTCOMES} outcomes, one a line."
        elif any(len(outcome) > MAX_OUTCOME_LENGTH for outcome in outcomes):
            errors["outcomes"] = (
                f"Keep each outcome under {MAX_OUTCOME_LENGTH} characters."
            )
        if errors:
            raise ValidationError(errors)

    def outcome_list(self):
        """What a student will learn: the non-blank lines of `outcomes`."""
        return [line.strip() for line in self.outcomes.splitlines() if line.strip()]

    @property
    def instructor(self):
        """The instructor who teaches the course: its owner."""
        return self.owner

    @cached_property
    def subject(self):
        return SubjectPage.objects.ancestor_of(self).first()

    def modules(self):
        """The modules students see (none while the course is unpublished), in
        page-tree order."""
        return ModulePage.objects.live_for_students().child_of(self).order_by("path")

    def outline_tags(self):
        """What its module outline shows: itself (live or not) and its modules."""
        return [f"page:{self.pk}", f"below:{self.pk}"]

    def module_outline(self):
        """The published modules (without their bodies), from the cache."""
        return tags.remember(
            "module-outline",
            [self.pk],
            lambda: list(self.modules().defer("body")),
            self.outline_tags(),
        )

    def module_ids(self):
        """The pks of the published modules, in order, from the cache."""
        return tags.remember(
            "module-ids",
            [self.pk],
            lambda: [each.pk for each in self.module_outline()],
            self.outline_tags(),
        )

    def get_shell_variant(self, request):
        # The module list links to the modules only for those who may open them.
        return (can_view_contents(request.user, self),)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["subject"] = self.subject
        context["modules"] = self.module_outline()
        context["can_view_contents"] = can_view_contents(request.user, self)
        return context

    def public_module_text(self):
        """The titles and descriptions of its published modules, as the search
        index reads them.

        The course page shows them to everyone, so a search may match a course by
        them; module bodies are indexed on the modules only, and searched only for
        those who may read them (search.queries).
        """
        modules = ModulePage.objects.child_of(self).live().order_by("path")
        return "\n".join(
            text
            for title, description in modules.values_list("title", "description")
            for text in (title, description)
            if text
        )


def parent_is_live():
    """The outer page's parent is published (a Wagtail path grows by `steplen`)."""
    return Exists(
        Page.objects.filter(
            live=True,
            path=parent_path(OuterRef("path")),
        )
    )


class ModuleQuerySet(PageQuerySet):
    def live_for_students(self):
        """Published modules of published courses: what students may be shown.

        Unpublishing a course leaves its modules live (Wagtail unpublishes
        subpages only when asked), and Wagtail's queries never look at a page's
        parent, so every listing of modules for students goes through this. The
        parent test sits in a `pk__in` subquery so that the result can still be
        searched (Wagtail's search backends refuse an `Exists` filter).
        """
        in_live_course = ModulePage.objects.filter(parent_is_live()).values("pk")
        return self.live().filter(pk__in=in_live_course)


class ModulePage(
    IndexedBySearchMixin,
    CachedRestrictionsMixin,
    OwnedPagePermissionsMixin,
    ShellCachedPageMixin,
    CachedPageMixin,
    Page,
):
    """A module of a course: a description and the contents that teach it."""

    description = models.TextField(blank=True)
    body = StreamField(ModuleBodyBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("description"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.SearchField("search_text"),
    ]
    api_fields = [APIField("description"), APIField("body")]

    parent_page_types = ["learning.CoursePage"]
    subpage_types = []

    objects = PageManager.from_queryset(ModuleQuerySet)()

    # A module belongs to its course's owner (learning.permissions, "Who owns a
    # page"): given on creation and moves, carried when the course changes hands.
    owned_with_parent = True

    @cached_property
    def course(self):
        """The course it belongs to (its parent), from the cache."""
        course_pk = lineage(self)[-2]
        return tags.remember(
            "course",
            [course_pk],
            lambda: CoursePage.objects.filter(pk=course_pk).first(),
            [f"page:{course_pk}"],
        )

    def get_cache_tags(self):
        # Its outline of the course shows its siblings.
        return [*super().get_cache_tags(), f"below:{lineage(self)[-2]}"]

    @cached_property
    def completed_by_quiz(self):
        """Whether passing a quiz of its body is what completes it (then there is
        no "Mark as done": the assessment app marks it on a pass)."""
        return any(
            block.value.get("pass_to_complete")
            for block in self.body.blocks_by_name("quiz")
        )

    def search_text(self):
        """The body as the search index reads it.

        Blocks index their own text (rich text, captions, descriptions), but chooser
        blocks index nothing, so the titles of chosen files and videos are added.
        """
        words = self.body.stream_block.get_searchable_content(self.body)
        for block in self.body:
            chosen = {"file": "document", "video": "media"}.get(block.block_type)
            if chosen and block.value.get(chosen):
                words.append(block.value[chosen].title)
        return "\n".join(words)

    def save(self, *args, **kwargs):
        if self.pk is None and self.path:
            # A new module belongs to its course's owner, whoever adds it (an
            # administrator, a copy): Wagtail gives it to the user who made it.
            owner_id = (
                Page.objects.filter(path=parent_path_of(self.path))
                .values_list("owner_id", flat=True)
                .first()
            )
            if owner_id is not None:
                self.owner_id = owner_id
        return super().save(*args, **kwargs)

    def serve(self, request, *args, **kwargs):
        """Show the module only to those who may see its course's contents.

        A module of an unpublished course is not there for anyone but those who
        may edit the course (Wagtail's routing does not look at a page's parent).
        """
        course = self.course
        if course is None:
            raise Http404("No such module.")
        if not can_view_contents(request.user, course):
            if not course.live:
                raise Http404("No such module.")
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            messages.info(request, "Enroll in this course to open its modules.")
            return redirect(course.url)
        return super().serve(request, *args, **kwargs)

    def get_shell_context(self, request):
        return {**super().get_shell_context(request), "course": self.course}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        course = self.course
        modules = course.module_outline()
        context["course"] = course
        context["modules"] = modules
        position = next(
            (i for i, module in enumerate(modules) if module.pk == self.pk), None
        )
        if position is not None:
            context["position"] = position + 1
            context["previous_module"] = modules[position - 1] if position else None
            context["next_module"] = (
                modules[position + 1] if position + 1 < len(modules) else None
            )
        return context


def children_of_outer(outer="", lookup=""):
    """Children of the outer query's page, as a range on the indexed `path`.

    `outer` prefixes the outer query's fields (e.g. "course__" for an enrollment's
    course), `lookup` the filtered query's (e.g. "module__" for a completion's
    module). A child's path is its parent's plus one step of `Page.alphabet`;
    `startswith` on an outer reference becomes a LIKE that no index serves (a scan
    per row on PostgreSQL), a range does not.
    """
    path = OuterRef(f"{outer}path")
    return Q(
        **{
            f"{lookup}depth": OuterRef(f"{outer}depth") + 1,
            f"{lookup}path__gt": path,
            f"{lookup}path__lte": Concat(path, Value("Z" * Page.steplen)),
        }
    )


def parent_path_of(path):
    """The tree path of the parent of the page at `path` (paths grow by `steplen`
    a level)."""
    return path[: -Page.steplen]


def parent_path(path="path"):
    """`parent_path_of` as a database expression, of a field name or an OuterRef."""
    if isinstance(path, str):
        path = F(path)
    return Substr(path, 1, Length(path) - Page.steplen)


def paginate(request, queryset, per_page=CATALOG_PAGE_SIZE):
    """The page of `queryset` asked for by `?page=` (the last one if out of range)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
