"""Grades in the Wagtail admin: the menu item and the screens of admin_views."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from assessment import admin_views
from classroom.access import staff_courses

urlpatterns = [
    path("", admin_views.IndexView.as_view(), name="index"),
    path("<id:course_id>/", admin_views.QueueView.as_view(), name="queue"),
    path(
        "<id:course_id>/hand-ins/<id:pk>/",
        admin_views.GradeSubmissionView.as_view(),
        name="grade_submission",
    ),
    path(
        "<id:course_id>/gradebook/",
        admin_views.GradebookView.as_view(),
        name="gradebook",
    ),
    path(
        "<id:course_id>/gradebook.csv",
        admin_views.GradebookCSVView.as_view(),
        name="gradebook_csv",
    ),
    path(
        "<id:course_id>/override/<id:student_id>/<id:module_id>/<block:block_id>/",
        admin_views.OverrideView.as_view(),
        name="override",
    ),
    path(
        "<id:course_id>/regrade/<id:module_id>/<block:block_id>/",
        admin_views.RegradeView.as_view(),
        name="regrade",
    ),
]


@hooks.register("register_admin_urls")
def register_grades_urls():
    return [
        path(
            "grades/",
            include(
                (urlpatterns, admin_views.NAMESPACE), namespace=admin_views.NAMESPACE
            ),
        )
    ]


class GradesMenuItem(MenuItem):
    """Shown to those who keep the grades of some course."""

    def is_shown(self, request):
        return staff_courses(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_grades_menu_item():
    return GradesMenuItem(
        "Grades",
        reverse(f"{admin_views.NAMESPACE}:index"),
        name="grades",
        icon_name="clipboard-list",
        order=260,
    )
