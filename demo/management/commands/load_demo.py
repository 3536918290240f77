"""Build the demo catalogue: users, subjects, courses, modules and their files.

Idempotent: everything is looked up by a natural key (username, title, slug) and made
only when missing, so a second run changes nothing. The images are drawn with Pillow
at run time; the video clip ships in demo/assets/.
"""

import io
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtailmedia import get_media_model

from classroom import enrollment
from classroom.models import Enrollment, ModuleCompletion
from demo import large
from demo.factories import (
    CatalogPageFactory,
    CoursePageFactory,
    HomePageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    root_collection,
)
from learning.models import CatalogPage, CoursePage, HomePage, ModulePage, SubjectPage
from learning.permissions import (
    grant_instructor_page_permissions,
    setup_instructors_group,
)

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
VIDEO_FILE = ASSETS / "demo-clip.webm"

# Demo only: these passwords are printed and must never reach production.
USERS = [
    # username, password, first name, last name, superuser, instructor
    ("admin", "admin-demo-pass", "Ada", "Admin", True, False),
    ("instructor", "instructor-demo-pass", "Irene", "Navarro", False, True),
    ("instructor2", "instructor2-demo-pass", "Tomás", "Okafor", False, True),
    ("student", "student-demo-pass", "Sam", "Student", False, False),
]

SUBJECTS = {
    "Mathematics": (
        "Numbers, shapes and chance: the ideas behind every science.",
        ["Algebra basics", "Geometry in the plane", "Probability for everyone"],
    ),
    "Programming": (
        "Write programs that work, and read the ones others wrote.",
        ["Python from scratch", "Web development with Django", "Data structures"],
    ),
    "Languages": (
        "Speak, read and write with confidence.",
        ["Spanish for travellers", "English writing workshop", "French pronunciation"],
    ),
    "Science": (
        "How the world works, from atoms to galaxies.",
        ["Introduction to physics", "Everyday chemistry", "Astronomy: the night sky"],
    ),
}

# The last step each module's text asks for: what that module has to do.
STEPS = [
    "Note one question to ask in the course's chat room.",
    "Print the notes below and keep them.",
    "Take the practice quiz below: it completes this module.",
    "Hand in the assignment below.",
]

MODULES = [
    ("Getting started", "What the course covers and how to study it."),
    ("Key ideas", "The core concepts, one at a time."),
    ("Watch and practise", "A short demonstration and exercises."),
    ("Review", "Check what you learnt and where to go next."),
]

# One idea taught in one module only ("Key ideas"), so that searching for it finds
# that course first.
KEY_IDEAS = {
    "Algebra basics": "The quadratic formula solves every equation of the form "
    "ax² + bx + c = 0.",
    "Geometry in the plane": "Pythagoras' theorem ties the hypotenuse of a right "
    "triangle to its other two sides.",
    "Probability for everyone": "Bayes' theorem updates a belief when new evidence "
    "arrives.",
    "Python from scratch": "A list comprehension builds a new list from an old one "
    "in a single line.",
    "Web development with Django": "A migration records each change to your models "
    "so that the database can follow.",
    "Data structures": "A hash table finds a key in constant time on average.",
    "Spanish for travellers": "Ordering tapas: ¿me pone una ración de patatas "
    "bravas, por favor?",
    "English writing workshop": "A topic sentence tells the reader what the "
    "paragraph will prove.",
    "French pronunciation": "French has four nasal vowels: on, an, in and un.",
    "Introduction to physics": "Newton's second law: force equals mass times "
    "acceleration.",
    "Everyday chemistry": "Baking soda and vinegar give off carbon dioxide in an "
    "acid-base reaction.",
    "Astronomy: the night sky": "Polaris, the pole star, shows where north is all "
    "night long.",
}

# What each course's page says about it: level, hours, the language it is taught
# in, what a student will learn and what they should know first.
COURSE_FACTS = {
    "Algebra basics": (
        "beginner", 8, "en",
        ["Solve linear and quadratic equations", "Simplify expressions",
         "Read and draw the graph of a line"],
        "Arithmetic with fractions and negative numbers.",
    ),
    "Geometry in the plane": (
        "beginner", 6, "en",
        ["Work out angles, areas and perimeters", "Use Pythagoras' theorem",
         "Prove simple facts about triangles"],
        "Algebra basics, or solving simple equations.",
    ),
    "Probability for everyone": (
        "intermediate", 10, "en",
        ["Count outcomes and compute probabilities",
         "Tell dependent events from independent ones",
         "Update a belief with Bayes' theorem"],
        "Fractions and percentages.",
    ),
    "Python from scratch": (
        "beginner", 12, "en",
        ["Write and run small Python programs", "Use lists, dictionaries and loops",
         "Split a program into functions"],
        "None: a computer you may install programs on.",
    ),
    "Web development with Django": (
        "intermediate", 20, "en",
        ["Model data and migrate the database", "Write views, URLs and templates",
         "Deploy a small site"],
        "Python from scratch, or writing small Python programs.",
    ),
    "Data structures": (
        "advanced", 16, "en",
        ["Choose between lists, hash tables, trees and heaps",
         "Estimate the cost of an algorithm", "Implement a hash table"],
        "Python from scratch and some comfort with algebra.",
    ),
    "Spanish for travellers": (
        "beginner", 10, "es",
        ["Saludar y presentarse", "Pedir en un bar o un restaurante",
         "Preguntar por el camino"],
        "Ninguno: el curso empieza desde cero.",
    ),
    "English writing workshop": (
        "intermediate", 8, "en",
        ["Plan an essay around one claim", "Write clear topic sentences",
         "Edit your own drafts"],
        "Reading English comfortably.",
    ),
    "French pronunciation": (
        "intermediate", 6, "fr",
        ["Prononcer les quatre voyelles nasales", "Faire les liaisons",
         "Lire un texte à voix haute"],
        "Connaître l'alphabet français.",
    ),
    "Introduction to physics": (
        "beginner", 12, "en",
        ["Describe motion with speed and acceleration", "Apply Newton's laws",
         "Reason about energy"],
        "Algebra basics.",
    ),
    "Everyday chemistry": (
        "beginner", 6, "en",
        ["Read a chemical equation", "Tell acids from bases",
         "Explain what happens in a kitchen reaction"],
        "None.",
    ),
    "Astronomy: the night sky": (
        "advanced", 14, "en",
        ["Find the main constellations", "Explain the phases of the Moon",
         "Estimate distances with parallax"],
        "Introduction to physics and some trigonometry.",
    ),
}  # fmt: skip

COLOURS = [
    ((47, 91, 234), (106, 69, 217)),
    ((16, 150, 110), (24, 98, 160)),
    ((230, 120, 40), (200, 50, 90)),
    ((90, 60, 200), (30, 150, 200)),
]
# The colours above in words, for the covers' descriptions.
COLOUR_NAMES = [
    "blue to violet",
    "green to blue",
    "orange to pink",
    "violet to sky blue",
]


class Command(BaseCommand):
    help = "Build the demo catalogue (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=["small", "large"],
            default="small",
            help="small: the demo catalogue; large: many courses for load tests.",
        )

    def handle(self, *args, size="small", **options):
        build_large = large.build if size == "large" else None
        with transaction.atomic():
            users = self.make_users()
            catalog = self.make_site_tree()
            grant_instructor_page_permissions(catalog)
            self.make_catalogue(catalog, users)
            make_demo_classroom(users["instructor"])
        if build_large:
            build_large(self.stdout)
        self.print_summary()

    # --- users -------------------------------------------------------------------

    def make_users(self):
        User = get_user_model()
        instructors = setup_instructors_group()
        users = {}
        for username, password, first, last, superuser, teaches in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    email=f"{username}@example.com",
                    first_name=first,
                    last_name=last,
                    is_staff=superuser,
                    is_superuser=superuser,
                )
                user.set_password(password)
                user.save()
            if teaches and not user.groups.filter(pk=instructors.pk).exists():
                user.groups.add(instructors)
            users[username] = user
        return users

    # --- pages -------------------------------------------------------------------

    def make_site_tree(self):
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            # Wagtail's placeholder "Welcome" page is replaced by our home page.
            welcome = root.get_children().filter(
                content_type__app_label="wagtailcore", slug="home"
            )
            home = HomePageFactory(
                parent=root,
                slug="educa",
                intro="<p>Courses written by teachers, studied at your own pace: "
                "read, watch, practise and talk with your classmates.</p>",
            )
            self.publish(home)
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={"hostname": "localhost", "port": 80, "root_page": home},
            )
            for page in welcome:
                page.delete()
        catalog = CatalogPage.objects.first()
        if catalog is None:
            catalog = CatalogPageFactory(
                parent=home,
                intro="<p>Every course, by subject. Enroll to open its modules.</p>",
            )
            self.publish(catalog)
        return catalog

    def make_catalogue(self, catalog, users):
        instructors = [users["instructor"], users["instructor2"]]
        video = self.video(users["instructor"])
        number = 0
        for index, (subject_title, (description, courses)) in enumerate(
            SUBJECTS.items()
        ):
            subject = SubjectPage.objects.child_of(catalog).filter(
                title=subject_title
            ).first() or self.publish(
                SubjectPageFactory(
                    parent=catalog,
                    title=subject_title,
                    description=description,
                    owner=users["admin"],
                )
            )
            figure = self.image(
                f"{subject_title}: a figure", COLOURS[index], users["admin"]
            )
            for course_title in courses:
                owner = instructors[number % 2]
                number += 1
                cover = self.image(f"Cover: {course_title}", COLOURS[number % 4], owner)
                facts = course_facts(course_title, cover, COLOUR_NAMES[number % 4])
                existing = CoursePage.objects.child_of(subject).filter(
                    title=course_title
                )
                if existing:
                    self.update_facts(existing.first(), facts)
                    continue
                course = self.publish(
                    CoursePageFactory(
                        parent=subject,
                        title=course_title,
                        owner=owner,
                        **facts,
                        overview=f"<p><b>{course_title}</b> is a {len(MODULES)}-"
                        f"module course in {subject_title.lower()}. "
                        f"{description}</p><p>Each module mixes reading, figures "
                        "and short exercises; take them in order.</p>",
                    )
                )
                notes = self.document(course_title, owner)
                for position, (title, summary) in enumerate(MODULES):
                    self.publish(
                        ModulePageFactory(
                            parent=course,
                            title=title,
                            description=summary,
                            owner=owner,
                            body=self.module_body(
                                course_title, position, figure, notes, video
                            ),
                        )
                    )

    def module_body(self, course_title, position, figure, notes, video):
        text = {
            "type": "text",
            "value": f"<h2>{MODULES[position][0]}</h2><p>In this part of "
            f"<i>{course_title}</i> we work through the ideas step by step.</p>"
            "<ul><li>Read the explanation.</li><li>Look at the figure.</li>"
            f"<li>{STEPS[position]}</li></ul>",
        }
        if position == 1 and course_title in KEY_IDEAS:
            text["value"] += f"<p><b>Key idea:</b> {KEY_IDEAS[course_title]}</p>"
        extra = [
            {"type": "image", "value": {"image": figure.pk, "caption": figure.title}},
            {
                "type": "file",
                "value": {"document": notes.pk, "description": "Notes to print"},
            },
            {
                "type": "video",
                "value": {"media": video.pk, "url": "", "caption": "A short clip"},
            },
            {
                "type": "assignment",
                "value": {
                    "title": "Explain it to a friend",
                    "instructions": "<p>Explain the main idea of this course to a "
                    "friend in three sentences, then hand in what you wrote.</p>",
                    "due": None,
                    "points": "10",
                    "hand_in": "text",
                    "file_types": "pdf, docx, odt, txt",
                    "max_size": 5,
                    "late": True,
                },
            },
        ]
        body = [text, extra[position]]
        if position == 2:
            body.append({"type": "quiz", "value": practice_quiz(course_title)})
        return body

    def update_facts(self, course, facts):
        """Give a course made by an earlier version of the demo its cover and facts
        (nothing when it has them: a second run changes nothing)."""
        if all(getattr(course, name) == value for name, value in facts.items()):
            return
        for name, value in facts.items():
            setattr(course, name, value)
        self.publish(course)

    def publish(self, page):
        page.save_revision(user=page.owner).publish(user=page.owner)
        page.refresh_from_db()
        return page

    # --- files -------------------------------------------------------------------

    def image(self, title, colours, owner):
        Image = get_image_model()
        existing = Image.objects.filter(title=title).first()
        if existing:
            return existing
        from PIL import Image as PILImage
        from PIL import ImageDraw

        width, height = 960, 540
        picture = PILImage.new("RGB", (width, height))
        draw = ImageDraw.Draw(picture)
        (r1, g1, b1), (r2, g2, b2) = colours
        for x in range(width):
            t = x / width
            draw.line(
                [(x, 0), (x, height)],
                fill=(
                    round(r1 + (r2 - r1) * t),
                    round(g1 + (g2 - g1) * t),
                    round(b1 + (b2 - b1) * t),
                ),
            )
        for i in range(6):
            radius = 60 + 35 * i
            draw.ellipse(
                [width - radius - 40, height - radius - 40, width - 40, height - 40],
                outline=(255, 255, 255),
                width=2,
            )
        # No text in the picture: a title drawn in an image is read by nobody who
        # cannot see it, and the page already shows the title.
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        image = Image(
            title=title,
            collection=root_collection(),
            uploaded_by_user=owner,
            file=ImageFile(buffer, name=f"{slug(title)}.png"),
        )
        image.save()
        return image

    def document(self, course_title, owner):
        Document = get_document_model()
        title = f"{course_title}: notes"
        existing = Document.objects.filter(title=title).first()
        if existing:
            return existing
        text = (
            f"{course_title}\n{'=' * len(course_title)}\n\n"
            + "\n".join(f"{n}. {t}: {s}" for n, (t, s) in enumerate(MODULES, 1))
            + "\n\nKeep these notes next to you while you study.\n"
        )
        document = Document(
            title=title, collection=root_collection(), uploaded_by_user=owner
        )
        document.file.save(
            f"{slug(course_title)}-notes.txt", ContentFile(text.encode()), save=False
        )
        # As the admin's upload form does: size and hash are stored with the file.
        document._set_document_file_metadata()
        document.save()
        return document

    def video(self, owner):
        Media = get_media_model()
        title = "Demo clip"
        existing = Media.objects.filter(title=title).first()
        if existing:
            return existing
        media = Media(
            title=title,
            type="video",
            width=320,
            height=180,
            duration=4.0,
            collection=root_collection(),
            uploaded_by_user=owner,
        )
        media.file.save(VIDEO_FILE.name, ContentFile(VIDEO_FILE.read_bytes()), False)
        media.save()
        return media

    # --- large and summary -------------------------------------------------------

    def print_summary(self):
        self.stdout.write(
            f"Demo catalogue: {SubjectPage.objects.count()} subjects, "
            f"{CoursePage.objects.count()} courses, "
            f"{ModulePage.objects.count()} modules."
        )
        self.stdout.write("Demo users (demo passwords, never use them in production):")
        for username, password, *_ in USERS:
            self.stdout.write(f"  {username:<12} {password}")
        # The address `make run` serves (Makefile HOST and PORT).
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        self.stdout.write(f"Site: http://{host}:{port}/   Admin: /admin/")


def practice_quiz(course_title):
    """The exercise of "Watch and practise": one question of each kind."""

    def choice(text, correct=False, feedback=""):
        return {"text": text, "correct": correct, "feedback": feedback}

    def question(kind, prompt, **value):
        return {
            "type": kind,
            "value": {
                "prompt": f"<p>{prompt}</p>",
                "points": "1",
                "feedback": "",
                **value,
            },
        }

    return {
        "title": "Practice quiz",
        "instructions": f"<p>Six quick questions on <i>{course_title}</i>. "
        "Take it as often as you like: your best attempt counts.</p>",
        "attempts": 0,
        "time_limit": None,
        "pass_mark": "60",
        "grade_method": "highest",
        "shuffle_questions": False,
        "shuffle_choices": True,
        "draw": None,
        "feedback": "each",
        "pass_to_complete": True,
        "questions": [
            question(
                "single_choice",
                "How should you take the modules of this course?",
                choices=[
                    choice("In order", True, "Yes: each builds on the one before."),
                    choice("In any order", feedback="They build on each other."),
                ],
            ),
            question(
                "multiple_choice",
                "Which are parts of a module?",
                choices=[
                    choice("An explanation", True),
                    choice("A figure or a clip", True),
                    choice("A final exam", feedback="There is none."),
                ],
                scoring="partial",
            ),
            question(
                "true_false",
                "Leaving a course deletes the modules you marked done.",
                answer="false",
                feedback="Your progress is kept if you enroll again.",
            ),
            question(
                "short_text",
                "What do you press when you have finished a module?",
                accepted=["Mark as done", "mark done"],
            ),
            question(
                "numeric",
                "How many modules does this course have?",
                value=str(len(MODULES)),
                tolerance="0",
            ),
            question(
                "ordering",
                "Put the modules in order.",
                items=[title for title, _summary in MODULES],
            ),
        ],
    }


def slug(text):
    return slugify(text) or "file"


def course_facts(title, cover, colour_name):
    """The page fields of a demo course that describe it (COURSE_FACTS)."""
    level, hours, language, outcomes, prerequisites = COURSE_FACTS[title]
    return {
        "image": cover,
        "cover_alt": f"An abstract cover: a {colour_name} gradient with white "
        "circles in the lower right corner",
        "level": level,
        "estimated_hours": hours,
        "language": language,
        "outcomes": "\n".join(outcomes),
        "prerequisites": prerequisites,
    }


# Classmates in the demo instructor's courses, so that "My teaching" and
# "Students" have something to show on the first login (no password: nobody logs
# in as them). Username, first name, last name.
DEMO_STUDENTS = [
    ("amara", "Amara", "Diallo"),
    ("ben", "Ben", "Fischer"),
    ("chloe", "Chloé", "Martin"),
    ("dev", "Dev", "Patel"),
    ("elena", "Elena", "Rossi"),
]


def make_demo_classroom(instructor):
    """The site's name on its Site record, and the demo students enrolled in
    `instructor`'s courses with some modules done, on dates spread over the last
    weeks. Idempotent: what exists already is left as it is."""
    Site.objects.filter(is_default_site=True, site_name="").update(
        site_name=settings.WAGTAIL_SITE_NAME
    )
    User = get_user_model()
    now = timezone.now()
    courses = CoursePage.objects.filter(owner=instructor).order_by("path")
    for index, (username, first, last) in enumerate(DEMO_STUDENTS):
        student = User.objects.filter(username=username).first()
        if student is None:
            student = User(
                username=username,
                email=f"{username}@example.com",
                first_name=first,
                last_name=last,
            )
            student.set_unusable_password()
            student.save()
        for number, course in enumerate(courses):
            if (index + number) % 3 == 2:
                continue  # not everyone takes every course
            if enrollment.enroll(student, course).status != enrollment.ENROLLED:
                continue  # enrolled by an earlier run (or refused): left alone
            enrolled_on = now - timedelta(days=30 - 2 * index - number)
            Enrollment.objects.filter(student=student, course=course).update(
                created=enrolled_on
            )
            modules = list(ModulePage.objects.child_of(course).live().order_by("path"))
            done = (index + number) % (len(modules) + 1)
            for position, module in enumerate(modules[:done]):
                completion, _ = ModuleCompletion.objects.get_or_create(
                    student=student, module=module, defaults={"course": course}
                )
                ModuleCompletion.objects.filter(pk=completion.pk).update(
                    completed=enrolled_on + timedelta(days=2 * position + 1)
                )
