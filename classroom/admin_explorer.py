"""The page explorer shows who teaches each course: an "Owner" column where a
subject's courses are listed.

Wagtail's public way to change the explorer's columns for one page type is a
`PageViewSet` for that type: its listing is used for the children of every parent
type that allows only that type (here `SubjectPage`, whose children are courses).
The owners come with the courses (`select_related` on the specific query), so the
listing costs the same queries however many courses a subject has.

Searching from a subject's listing then looks among that subject's courses only
(the viewset's model), as Wagtail documents; "Search all" still searches every page.
"""

from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.pages.listing import ExplorableIndexView
from wagtail.admin.viewsets.pages import PageViewSet

from learning.models import CoursePage


def owner_name(page):
    owner = page.owner
    if owner is None:
        return ""
    return owner.get_full_name() or owner.get_username()


class CourseExplorerView(ExplorableIndexView):
    """The explorer's listing of a subject's courses, owners included."""

    def annotate_queryset(self, pages):
        return (
            super()
            .annotate_queryset(pages)
            .select_related("owner", for_specific_subqueries=True)
        )


OWNER_COLUMN = Column(
    "owner", label="Owner", accessor=owner_name, sort_key="owner__last_name"
)


class CoursePageViewSet(PageViewSet):
    """Wagtail's page views for courses, with an owner column in the explorer."""

    model = CoursePage
    index_view_class = CourseExplorerView
    # After the title: Wagtail's own columns otherwise, in their order.
    columns = [
        *ExplorableIndexView.base_columns[:2],
        OWNER_COLUMN,
        *ExplorableIndexView.base_columns[2:],
    ]


@hooks.register("register_admin_viewset")
def register_course_page_viewset():
    return CoursePageViewSet()
