"""Analytics in the Wagtail admin: the menu item and the screens of views."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from analytics import views
from classroom.access import staff_courses

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("course/<id:course_id>/", views.CourseView.as_view(), name="course"),
    path(
        "course/<id:course_id>/<slug:table>.csv",
        views.TableCSVView.as_view(),
        name="csv",
    ),
]


@hooks.register("register_admin_urls")
def register_analytics_urls():
    return [
        path(
            "analytics/",
            include((urlpatterns, views.NAMESPACE), namespace=views.NAMESPACE),
        )
    ]


class AnalyticsMenuItem(MenuItem):
    """Shown to the staff of some course."""

    def is_shown(self, request):
        return staff_courses(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_analytics_menu_item():
    return AnalyticsMenuItem(
        "Analytics",
        reverse(f"{views.NAMESPACE}:index"),
        name="analytics",
        icon_name="table",
        order=270,
    )
