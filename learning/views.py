"""Serving module files (wagtailmedia video and audio) through the access rule."""

from django.http import Http404


def serve_media(request, media_id, filename):
    raise Http404("Not built yet")
