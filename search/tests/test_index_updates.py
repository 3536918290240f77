"""The index follows publishing, unpublishing and deleting at once.

None of these tests run `update_index`: signal handlers (search.signals) keep the
database backend's index current when pages are published, saved or deleted, and
leave it alone when a draft is saved.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from wagtail.rich_text import RichText
from wagtail.search.models import IndexEntry

from learning.models import DRAFT_FIELDS, CoursePage, SubjectPage
from search.queries import search_courses

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(instructor):
    """The titles found by someone who may read the courses (their owner)."""

    def search(term):
        return [course.title for course in search_courses(None, term, instructor)]

    return search


def test_publishing_a_new_module_makes_its_words_searchable(
    algebra, make_module, found
):
    draft = make_module(algebra, "Matrices", "Eigenvalues of a matrix.", live=False)
    assert found("eigenvalues") == []

    draft.save_revision().publish()

    assert found("eigenvalues") == ["Algebra"]


def test_publishing_changed_text_replaces_the_old_words(algebra, found):
    module = algebra.get_children().get(title="Equations").specific
    module.body = [("text", RichText("<p>Completing the square.</p>"))]

    module.save_revision().publish()

    assert found("quadratic") == []
    assert found("completing") == ["Algebra"]


def test_a_saved_draft_does_not_change_what_is_found(algebra, found):
    module = algebra.get_children().get(title="Equations").specific
    module.body = [("text", RichText("<p>Secret draft words.</p>"))]

    module.save_revision()

    assert found("quadratic") == ["Algebra"]
    assert found("secret") == []


def test_unpublishing_a_module_hides_it_at_once(algebra, found):
    algebra.get_children().get(title="Equations").specific.unpublish()

    assert found("quadratic") == []
    assert found("negatives") == ["Algebra"]


def test_unpublishing_a_course_hides_it_and_its_modules(algebra, found):
    algebra.unpublish()

    assert found("algebra") == []
    assert found("negatives") == []


def test_deleting_a_module_removes_it_at_once(algebra, found):
    from django.contrib.contenttypes.models import ContentType
    from wagtail.search.models import IndexEntry

    module = algebra.get_children().get(title="Equations").specific
    entries = IndexEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(module),
        object_id=str(module.pk),
    )
    assert entries.exists()

    module.delete()

    assert found("quadratic") == []
    assert not entries.exists()


def test_deleting_a_course_removes_it_and_its_modules(algebra, found):
    algebra.delete()

    assert found("algebra") == []
    assert found("quadratic") == []


def test_renaming_a_course_finds_it_by_its_new_title(algebra, found):
    algebra.title = "Polynomials"
    algebra.save_revision().publish()

    assert found("polynomials") == ["Polynomials"]


def index_queries(queries):
    return [q["sql"] for q in queries if "indexentry" in q["sql"]]


def test_saving_a_draft_leaves_the_index_alone(algebra):
    algebra.title = "Algebra, drafted"
    with CaptureQueriesContext(connection) as course_save:
        algebra.save_revision()
    module = algebra.get_children().get(title="Equations").specific
    module.description = "Drafted."
    with CaptureQueriesContext(connection) as module_save:
        module.save_revision()

    assert index_queries(course_save.captured_queries) == []
    assert index_queries(module_save.captured_queries) == []


def test_what_save_revision_writes_is_draft_bookkeeping(algebra):
    """Wagtail's save_revision() saves the page with these fields only; if it wrote
    another, search.signals would reindex (safely) and the chat re-check its room on
    every draft again."""
    written = []

    def record(sender, update_fields=None, **kwargs):
        written.append(update_fields)

    post_save.connect(record, sender=CoursePage)
    try:
        algebra.title = "Algebra, drafted"
        algebra.save_revision()
    finally:
        post_save.disconnect(record, sender=CoursePage)

    assert len(written) == 1
    assert written[0] is not None and set(written[0]) <= DRAFT_FIELDS


def test_publishing_and_deleting_a_subject_reach_the_index(make_subject):
    def found(term):
        return [page.title for page in SubjectPage.objects.live().search(term)]

    subject = make_subject("Geometry")
    entries = IndexEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
    )
    assert entries.exists()
    assert found("geometry") == ["Geometry"]

    subject.title = "Shapes"
    subject.save_revision().publish()
    assert found("shapes") == ["Shapes"]
    assert found("geometry") == []

    subject.delete()
    assert not entries.exists()
