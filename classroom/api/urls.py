"""DRF endpoints under /api/ (the contract is in the README, "REST API")."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from classroom.api import views


class Router(DefaultRouter):
    """DRF's router with our described root view and no `.json` suffix routes."""

    APIRootView = views.APIRootView
    include_format_suffixes = False


router = Router()
router.register("subjects", views.SubjectViewSet, basename="subject")
router.register("courses", views.CourseViewSet, basename="course")
router.register("me/courses", views.MyCourseViewSet, basename="my-course")

urlpatterns = [
    path("token/", views.ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
