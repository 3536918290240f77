"""Factories for the page tree, used by tests and by `load_demo` alike."""

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Site
from wagtailmedia import get_media_model

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
    slug = factory.LazyAttribute(lambda p: slugify(p.title))
    description = "A subject of the catalogue."


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.LazyAttribute(lambda p: slugify(p.title))
    overview = "<p>What this course teaches.</p>"
    owner = factory.SubFactory(UserFactory)
    image = None
    # A cover needs its description (CoursePage.clean); ImageFactory's is plain blue.
    cover_alt = factory.Maybe("image", "A plain blue picture", "")


class ModulePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ModulePage

    title = factory.Sequence(lambda n: f"Module {n}")
    slug = factory.LazyAttribute(lambda p: slugify(p.title))
    description = "What this module covers."
    owner = factory.LazyAttribute(lambda p: p.parent.owner if p.parent else None)


def root_collection():
    return Collection.get_first_root_node()


class ImageFactory(factory.django.DjangoModelFactory):
    """An image in the root collection (wagtail-factories' own makes a new root)."""

    class Meta:
        model = get_image_model()

    title = factory.Sequence(lambda n: f"Image {n}")
    file = factory.django.ImageField(width=640, height=360, color="steelblue")
    collection = factory.LazyFunction(root_collection)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_document_model()

    title = factory.Sequence(lambda n: f"Document {n}")
    file = factory.django.FileField(filename="notes.txt", data=b"Lecture notes.\n")
    file_size = factory.LazyAttribute(lambda document: document.file.size)
    collection = factory.LazyFunction(root_collection)


class MediaFactory(factory.django.DjangoModelFactory):
    """An uploaded video (wagtailmedia)."""

    class Meta:
        model = get_media_model()

    title = factory.Sequence(lambda n: f"Video {n}")
    type = "video"
    file = factory.django.FileField(filename="clip.webm", data=b"\x1aE\xdf\xa3")
    duration = 4.0
    width = 320
    height = 180
    collection = factory.LazyFunction(root_collection)


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
