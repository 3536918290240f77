"""The course catalogue as a Wagtail page tree.

Home → Catalog (/courses/) → Subject → Course → Module. Module order is the page
order in the tree; a module's contents are the blocks of its body StreamField.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from learning.blocks import ModuleBodyBlock

CATALOG_PAGE_SIZE = 12


class HomePage(Page):
    """The site's front page: a welcome and the newest courses."""

    intro = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["learning.CatalogPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["catalog"] = CatalogPage.objects.live().first()
        context["latest_courses"] = CoursePage.objects.catalogue()[:6]
        return context


class CatalogPage(Page):
    """The course catalogue: every subject and its published courses."""

    intro = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    parent_page_types = ["learning.HomePage"]
    subpage_types = ["learning.SubjectPage"]
    max_count = 1

    def subjects(self):
        return SubjectPage.objects.child_of(self).live().public().with_course_counts()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = CoursePage.objects.catalogue().descendant_of(self)
        context["subjects"] = self.subjects()
        context["courses"] = paginate(request, courses)
        return context


class SubjectQuerySet(PageQuerySet):
    def with_course_counts(self):
        live_courses = (
            CoursePage.objects.live()
            .public()
            .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
        )
        return self.annotate(
            total_courses=Coalesce(
                Subquery(
                    live_courses.order_by()
                    .values("depth")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            )
        ).order_by("title")


class SubjectPage(Page):
    """A subject such as Mathematics: a filter on the catalogue."""

    description = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("description")]
    search_fields = Page.search_fields + [index.SearchField("description")]
    api_fields = [APIField("description")]

    parent_page_types = ["learning.CatalogPage"]
    subpage_types = ["learning.CoursePage"]

    objects = PageManager.from_queryset(SubjectQuerySet)()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        catalog = self.get_parent().specific
        context["catalog"] = catalog
        context["subjects"] = catalog.subjects()
        context["courses"] = paginate(
            request, CoursePage.objects.catalogue().child_of(self)
        )
        return context


class CourseQuerySet(PageQuerySet):
    def with_module_counts(self):
        live_modules = ModulePage.objects.live().filter(
            path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1
        )
        return self.annotate(
            total_modules=Coalesce(
                Subquery(
                    live_modules.order_by()
                    .values("depth")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            )
        )

    def catalogue(self):
        """Published courses as the catalogue lists them, newest first."""
        return (
            self.live()
            .public()
            .with_module_counts()
            .select_related("owner", "image")
            .order_by("-created", "pk")
        )


class CoursePage(Page):
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

    content_panels = Page.content_panels + [
        FieldPanel("overview"),
        FieldPanel("image"),
    ]
    search_fields = Page.search_fields + [index.SearchField("overview")]
    api_fields = [
        APIField("overview"),
        APIField("image"),
        APIField("created"),
        APIField("owner_id"),
    ]

    parent_page_types = ["learning.SubjectPage"]
    subpage_types = ["learning.ModulePage"]

    objects = PageManager.from_queryset(CourseQuerySet)()

    @property
    def instructor(self):
        return self.owner

    @property
    def subject(self):
        return self.get_parent().specific

    def modules(self):
        """Published modules in page-tree order."""
        return ModulePage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        from learning.access import can_view_contents

        context = super().get_context(request, *args, **kwargs)
        context["modules"] = self.modules()
        context["can_view_contents"] = can_view_contents(request.user, self)
        return context


class ModulePage(Page):
    """A module of a course: a description and the contents that teach it."""

    description = models.TextField(blank=True)
    body = StreamField(ModuleBodyBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("description"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.SearchField("body"),
    ]
    api_fields = [APIField("description"), APIField("body")]

    parent_page_types = ["learning.CoursePage"]
    subpage_types = []

    @property
    def course(self):
        return self.get_parent().specific

    def serve(self, request, *args, **kwargs):
        from learning.access import can_view_contents

        course = self.course
        if not can_view_contents(request.user, course):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            messages.info(request, "Enroll in this course to open its modules.")
            return redirect(course.url)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        course = self.course
        modules = list(course.modules())
        context["course"] = course
        context["modules"] = modules
        position = next(
            (i for i, module in enumerate(modules) if module.pk == self.pk), None
        )
        if position is not None:
            context["previous_module"] = modules[position - 1] if position else None
            context["next_module"] = (
                modules[position + 1] if position + 1 < len(modules) else None
            )
        return context


def paginate(request, queryset, per_page=CATALOG_PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
