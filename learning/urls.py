"""URLs of `learning` that are not pages: protected media files."""

from django.urls import path

from learning import files

urlpatterns = [
    path(
        "protected-media/<id:media_id>/<str:filename>",
        files.serve_media,
        name="protected_media",
    ),
]
