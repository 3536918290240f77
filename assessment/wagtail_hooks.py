"""Grades in the Wagtail admin: the menu item and the screens of admin_views."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from assessment import admin_views

urlpatterns = [
    path("", admin_views.IndexView.as_view(), name="index"),
    path("<int:course_id>/", admin_views.QueueView.as_view(), name="queue"),
    path(
        "<int:course_id>/hand-ins/<int:pk>/",
        admin_views.GradeSubmissionView.as_view(),
        name="grade_submission",
    ),
    path(
        "<int:course_id>/gradebook/",
        admin_views.GradebookView.as_view(),
        name="gradebook",
    ),
    path(
        "<int:course_id>/gradebook.csv",
        admin_views.GradebookCSVView.as_view(),
        name="gradebook_csv",
    ),
    path(
        "<int:course_id>/override/<int:student_id>/<int:module_id>/<str:block_id>/",
        admin_views.OverrideView.as_view(),
        name="override",
    ),
    path(
        "<int:course_id>/regrade/<int:module_id>/<str:block_id>/",
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
        return admin_views.staff_courses(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_grades_menu_item():
    return GradesMenuItem(
        "Grades",
        reverse(f"{admin_views.NAMESPACE}:index"),
        name="grades",
        icon_name="clipboard-list",
        order=260,
    )
