"""Factories for the page tree, used by tests and by `load_demo` alike."""

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from learning.models import CatalogPage, CoursePage, HomePage, ModulePage, SubjectPage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Learn anything, at your own pace"


class CatalogPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CatalogPage

    title = "Courses"
    slug = "courses"


class SubjectPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = SubjectPage

    title = factory.Sequence(lambda n: f"Subject {n}")
    slug = factory.LazyAttribute(lambda p: factory.django.slugify(p.title))
    description = "A subject of the catalogue."


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.LazyAttribute(lambda p: factory.django.slugify(p.title))
    overview = "<p>What this course teaches.</p>"
    owner = factory.SubFactory(UserFactory)


class ModulePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ModulePage

    title = factory.Sequence(lambda n: f"Module {n}")
    slug = factory.LazyAttribute(lambda p: factory.django.slugify(p.title))
    description = "What this module covers."
    owner = factory.LazyAttribute(lambda p: p.parent.owner if p.parent else None)


def build_site_tree():
    """A home page as the default site's root, with the catalogue under it."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    catalog = CatalogPageFactory(parent=home)
    return home, catalog
