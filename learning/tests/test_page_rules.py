"""The content tree's rules: which page goes under which, and that each renders."""

from django.contrib.auth import get_user_model
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from demo.factories import (
    CoursePageFactory,
    ImageFactory,
    MediaFactory,
    ModulePageFactory,
    SubjectPageFactory,
    build_site_tree,
)
from learning.models import CatalogPage, CoursePage, HomePage, ModulePage, SubjectPage


class PageTreeRulesTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home, cls.catalog = build_site_tree()
        cls.admin = get_user_model().objects.create_superuser(
            "boss", "boss@example.com", "password"
        )
        cls.subject = SubjectPageFactory(parent=cls.catalog, title="Mathematics")
        cls.course = CoursePageFactory(
            parent=cls.subject, title="Algebra", owner=cls.admin
        )
        cls.module = ModulePageFactory(
            parent=cls.course,
            title="Equations",
            body=[{"type": "text", "value": "<p>x + 1 = 2</p>"}],
        )

    def test_each_level_has_exactly_one_parent_type(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedParentPageTypes(CatalogPage, {HomePage})
        self.assertAllowedParentPageTypes(SubjectPage, {CatalogPage})
        self.assertAllowedParentPageTypes(CoursePage, {SubjectPage})
        self.assertAllowedParentPageTypes(ModulePage, {CoursePage})

    def test_each_level_has_exactly_one_child_type(self):
        self.assertAllowedSubpageTypes(HomePage, {CatalogPage})
        self.assertAllowedSubpageTypes(CatalogPage, {SubjectPage})
        self.assertAllowedSubpageTypes(SubjectPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage})
        self.assertAllowedSubpageTypes(ModulePage, set())

    def test_nothing_can_be_placed_between_the_levels(self):
        self.assertCanNotCreateAt(CatalogPage, CoursePage)
        self.assertCanNotCreateAt(SubjectPage, ModulePage)
        self.assertCanNotCreateAt(HomePage, SubjectPage)
        self.assertCanNotCreateAt(CoursePage, CoursePage)

    def test_there_is_one_home_and_one_catalogue(self):
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))
        self.assertFalse(CatalogPage.can_create_at(self.home))

    def test_a_course_can_be_created_in_the_admin(self):
        self.login(self.admin)
        self.assertCanCreate(
            self.subject,
            CoursePage,
            nested_form_data(
                {
                    "title": "Geometry",
                    "overview": rich_text("<p>Shapes.</p>"),
                    "pass_mark": "50",
                }
            ),
        )
        course = CoursePage.objects.get(title="Geometry")
        self.assertTrue(course.live)
        self.assertEqual(course.owner, self.admin)

    def test_a_module_with_every_kind_of_block_can_be_created_in_the_admin(self):
        image = ImageFactory()
        media = MediaFactory()
        self.login(self.admin)
        self.assertCanCreate(
            self.course,
            ModulePage,
            nested_form_data(
                {
                    "title": "Inequalities",
                    "description": "Less than, more than.",
                    "body": streamfield(
                        [
                            ("text", rich_text("<p>a &lt; b</p>")),
                            ("image", {"image": image.pk, "caption": "A line"}),
                            (
                                "video",
                                {"media": media.pk, "url": "", "caption": "Watch"},
                            ),
                        ]
                    ),
                }
            ),
        )
        module = ModulePage.objects.get(title="Inequalities")
        self.assertEqual(
            [block.block_type for block in module.body], ["text", "image", "video"]
        )
        self.assertEqual(module.body[2].value["media"], media)

    def test_video_block_needs_a_file_or_an_address(self):
        self.login(self.admin)
        response = self.client.post(
            f"/admin/pages/add/learning/modulepage/{self.course.pk}/",
            nested_form_data(
                {
                    "title": "Both",
                    "slug": "both",
                    "body": streamfield(
                        [("video", {"media": "", "url": "", "caption": "Nothing"})]
                    ),
                }
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Choose an uploaded file or give a video address")
        self.assertFalse(ModulePage.objects.filter(title="Both").exists())

    def test_module_editor_shows_the_media_chooser_and_embed_field(self):
        self.login(self.admin)
        response = self.client.get(f"/admin/pages/{self.module.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        # The stream's block definitions carry the wagtailmedia chooser and the
        # embed URL field of VideoBlock.
        self.assertIn("wagtailmedia", content)
        self.assertIn("YouTube / Vimeo", content)

    def test_pages_are_editable_in_the_admin(self):
        self.assertPageIsEditable(self.course)
        # The StreamField editor is drawn by JavaScript, so its form data is given.
        self.assertPageIsEditable(
            self.module,
            post_data=nested_form_data(
                {
                    "title": "Equations",
                    "slug": "equations",
                    "description": "",
                    "body": streamfield([("text", rich_text("<p>x = 1</p>"))]),
                }
            ),
        )

    def test_public_pages_are_renderable(self):
        for page in (self.home, self.catalog, self.subject, self.course):
            self.assertPageIsRenderable(page)

    def test_module_is_renderable_for_its_owner(self):
        self.assertPageIsRenderable(self.module, user=self.admin)
