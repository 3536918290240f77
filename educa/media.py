"""Public media (course images and their renditions) served by the app itself.

Only files inside the public folders (settings.PUBLIC_MEDIA_PREFIXES) are served;
documents, video and audio of modules go through the access rule's views. The path
is checked after Django has decoded it, so `%2e%2e`, `..%2f`, `./`, `//` and
backslashes are refused however they were spelled, and the file's real location
(symlinks resolved) must lie inside the public folder it names.
"""

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.views.static import serve


def public_media_file(path):
    """The file under MEDIA_ROOT that `path` names, if it is public; else None."""
    if "\\" in path or "\0" in path:
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    if f"{parts[0]}/" not in settings.PUBLIC_MEDIA_PREFIXES:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    folder = root / parts[0]
    try:
        resolved = (root / path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_file() or not resolved.is_relative_to(folder):
        return None
    return resolved.relative_to(root).as_posix()


def public_media(request, path):
    """A public media file, or 404 for anything else under MEDIA_URL."""
    relative = public_media_file(path)
    if relative is None:
        raise Http404("No such public media file.")
    return serve(request, relative, document_root=settings.MEDIA_ROOT)
