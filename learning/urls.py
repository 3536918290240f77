"""URLs of `learning` that are not pages: protected media files."""

from django.urls import path

from learning import views

urlpatterns = [
    path(
        "protected-media/<int:media_id>/<str:filename>",
        views.serve_media,
        name="protected_media",
    ),
]
