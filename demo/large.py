"""The large demo catalogue for benchmarks: `manage.py load_demo --size large`.

20 subjects, 2,000 courses of 10 modules each, 100 instructors (teacher1..100),
10,000 students (learner1..10000, password "pass-word-123") and 50,000 enrollments,
made in under a minute. Creating 22,000 pages one by one through Wagtail
(`add_child` + revisions) takes far longer, so the pages are inserted
in bulk with the tree bookkeeping Wagtail relies on done here: materialised `path`,
`depth` and `numchild` (django-treebeard), `url_path`, locale, owner and published
dates. Every user shares one precomputed password hash.

The pages have no revisions (the site serves the page rows; the admin creates a
revision on the first edit) and are not in the search index (`manage.py
update_index` adds them).
"""

import random
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page

from classroom.models import Enrollment
from demo.factories import build_site_tree
from learning.catalogue import LEVELS
from learning.models import CatalogPage, CoursePage, ModulePage, SubjectPage
from sitecache import tags

SUBJECTS = [
    "Astronomy", "Biology", "Chemistry", "Computer Science", "Economics",
    "Engineering", "Geography", "Geology", "History", "Languages", "Law",
    "Literature", "Mathematics", "Medicine", "Music", "Philosophy", "Physics",
    "Psychology", "Sociology", "Visual Arts",
]  # fmt: skip
COURSES_PER_SUBJECT = 100
MODULES_PER_COURSE = 10
INSTRUCTORS = 100
STUDENTS = 10_000
ENROLLMENTS_PER_STUDENT = 5
PASSWORD = "pass-word-123"  # noqa: S105 - demo accounts, documented in the README
BATCH = 2_000


def build(stdout=None, seed=6):
    """Add the large catalogue under the site's catalogue page (idempotent)."""
    write = stdout.write if stdout is not None else (lambda message: None)
    catalog = CatalogPage.objects.first()
    if catalog is None:
        _home, catalog = build_site_tree()
    User = get_user_model()
    if User.objects.filter(username="learner1").exists():
        write("The large demo is already loaded.")
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    with transaction.atomic():
        password = make_password(PASSWORD)
        instructors = make_users("teacher", INSTRUCTORS, password)
        group = Group.objects.filter(name="Instructors").first()
        if group is not None:
            group.user_set.add(*instructors)
        students = make_users("learner", STUDENTS, password)
        write(f"{len(instructors)} instructors and {len(students)} students")

        subjects = add_children(
            catalog,
            [
                SubjectPage(title=name, description=f"Courses in {name.lower()}.")
                for name in SUBJECTS
            ],
        )
        now = timezone.now()
        courses = []
        for s, subject in enumerate(subjects):
            courses += add_children(
                subject,
                [
                    CoursePage(
                        title=f"{subject.title} {n + 1}",
                        overview=f"<p>Course {n + 1} of {subject.title}.</p>",
                        owner_id=instructors[
                            (s * COURSES_PER_SUBJECT + n) % INSTRUCTORS
                        ],
                        created=now - timedelta(minutes=s * COURSES_PER_SUBJECT + n),
                        # Spread over the catalogue's filters (learning.catalogue).
                        level=LEVELS[n % len(LEVELS)][0],
                        language=("en", "en", "es", "fr")[(s + n) % 4],
                        estimated_hours=4 + n % 20,
                    )
                    for n in range(COURSES_PER_SUBJECT)
                ],
            )
        write(f"{len(subjects)} subjects and {len(courses)} courses")
        modules = []
        for course in courses:
            modules += [
                ModulePage(
                    title=f"Module {m + 1}",
                    description=f"Part {m + 1} of {course.title}.",
                    body=[
                        {
                            "type": "text",
                            "value": f"<p>What part {m + 1} of {course.title} "
                            "teaches, with an example and an exercise.</p>",
                            "id": str(uuid.uuid4()),
                        }
                    ],
                    owner_id=course.owner_id,
                )
                for m in range(MODULES_PER_COURSE)
            ]
        add_children_many(courses, modules, MODULES_PER_COURSE)
        write(f"{len(modules)} modules")

        enroll(students, [course.pk for course in courses], rng)
        write(f"{len(students) * ENROLLMENTS_PER_STUDENT} enrollments")
    # Inserted in bulk, past the models' signals: nothing cached before stays.
    tags.forget_everything()


def make_users(prefix, count, password):
    """Bulk-create `<prefix>1..count` sharing one password hash; return their ids."""
    User = get_user_model()
    User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{i}",
                email=f"{prefix}{i}@example.com",
                first_name=prefix.capitalize(),
                last_name=str(i),
                password=password,
            )
            for i in range(1, count + 1)
        ],
        batch_size=BATCH,
    )
    return list(
        User.objects.filter(username__regex=rf"^{prefix}[0-9]+$")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def add_children(parent, pages):
    """Append `pages` (unsaved) under `parent`; return them saved."""
    add_children_many([parent], pages, len(pages))
    return pages


def add_children_many(parents, pages, per_parent):
    """Append `per_parent` consecutive `pages` under each of `parents`, in bulk."""
    now = timezone.now()
    used_slugs = {}
    for index, page in enumerate(pages):
        parent = parents[index // per_parent]
        position = index % per_parent
        if position == 0:
            if getattr(parent, "_made_in_bulk", False):
                step, used_slugs = 0, set()  # we made it: no children yet
            else:
                # Read from the database: the instance may be out of date.
                children = Page.objects.child_of(parent)
                last = children.order_by("-path").values_list("path", flat=True)
                last = last.first()
                step = int(last[-Page.steplen :], len(Page.alphabet)) if last else 0
                used_slugs = set(children.values_list("slug", flat=True))
                parent.numchild = children.count()
            parent._next_step = step + 1
        page.slug = unique_slug(slugify(page.title), used_slugs)
        page.path = parent.path + path_step(parent._next_step)
        parent._next_step += 1
        page.depth = parent.depth + 1
        page.numchild = 0  # counted when children are added
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.locale_id = parent.locale_id
        page.draft_title = page.title
        page.live = True
        page.has_unpublished_changes = False
        page.first_published_at = page.last_published_at = now
        if page.owner_id is None:
            page.owner_id = parent.owner_id
    insert_pages(pages)
    for page in pages:
        page._made_in_bulk = True
    # Parents gained children: treebeard's numchild must say so.
    for parent in parents:
        parent.numchild += per_parent
    Page.objects.bulk_update(parents, ["numchild"], batch_size=BATCH)


def path_step(number):
    """The `steplen` characters a child's tree path adds to its parent's, for the
    child at position `number` (treebeard's materialised path: `number` written in
    the digits of `Page.alphabet`, zero-padded)."""
    digits = []
    while number:
        number, digit = divmod(number, len(Page.alphabet))
        digits.append(Page.alphabet[digit])
    return "".join(reversed(digits)).rjust(Page.steplen, Page.alphabet[0])


def unique_slug(slug, used):
    candidate, n = slug, 1
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    used.add(candidate)
    return candidate


def insert_pages(pages):
    """Insert specific pages of one type: the wagtailcore_page row, then their own.

    Django's bulk_create refuses multi-table inheritance, so the base rows go through
    `Page.objects.bulk_create` (which returns the new ids on PostgreSQL and SQLite)
    and the page type's own table through one executemany.
    """
    model = type(pages[0])
    base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
    rows = [
        Page(**{f.attname: getattr(p, f.attname) for f in base_fields}) for p in pages
    ]
    for start in range(0, len(rows), BATCH):
        Page.objects.bulk_create(rows[start : start + BATCH])
    for page, row in zip(pages, rows, strict=True):
        page.id = page.page_ptr_id = row.pk
    fields = model._meta.local_concrete_fields
    # Table and column names come from the model, never from input.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = [
        [f.get_db_prep_save(f.pre_save(page, True), connection) for f in fields]
        for page in pages
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), BATCH):
            cursor.executemany(sql, values[start : start + BATCH])


def enroll(student_ids, course_ids, rng):
    """Each student in ENROLLMENTS_PER_STUDENT distinct courses, chosen at random."""
    rows = [
        Enrollment(student_id=student, course_id=course)
        for student in student_ids
        for course in rng.sample(course_ids, ENROLLMENTS_PER_STUDENT)
    ]
    Enrollment.objects.bulk_create(rows, batch_size=BATCH)
