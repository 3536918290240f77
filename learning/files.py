"""Every file the site serves, in one place.

- Module files (documents, wagtailmedia video and audio) go through the access rule
  (learning.access): a file used by a module is served to whoever may see the
  contents of (any) course using it, documents through Wagtail's document view
  (`protect_module_documents`, its `before_serve_document` hook), video and audio
  through `serve_media`. In production the bytes are handed to the web server
  with `X-Accel-Redirect` (`sendfile`, Wagtail's SENDFILE_BACKEND for documents);
  otherwise they are streamed here, with HTTP range requests so that video can
  seek. Files of a module are never served from MEDIA_URL.
- Public media (course images and their renditions): only files inside the public
  folders (settings.PUBLIC_MEDIA_PREFIXES) are served under MEDIA_URL
  (`public_media`). The path is checked after Django has decoded it, so `%2e%2e`,
  `..%2f`, `./`, `//` and backslashes are refused however they were spelled, and
  the file's real location (symlinks resolved) must lie inside the public folder
  it names.
- Private files whose door is elsewhere (students' hand-ins, assessment): the
  caller decides who may have one, `serve_private_file` delivers it the same way,
  always as a download that no cache keeps.
"""

import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import serve
from wagtail.models import ReferenceIndex
from wagtailmedia.models import get_media_model

from learning.access import viewable_course_ids
from learning.models import CoursePage, ModulePage, parent_path_of

CHUNK_SIZE = 64 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def courses_using(obj):
    """Courses with a module (published or not) whose contents reference `obj`.

    Wagtail's reference index records what each page's stored content points at
    (chooser blocks and rich-text links), so this is two or three queries whatever
    the size of the site.
    """
    module_type = ContentType.objects.get_for_model(ModulePage)
    module_ids = (
        ReferenceIndex.get_references_to(obj)
        .filter(content_type=module_type)
        .values_list("object_id", flat=True)
    )
    parent_paths = {
        parent_path_of(path)
        for path in ModulePage.objects.filter(
            pk__in=[int(pk) for pk in module_ids]
        ).values_list("path", flat=True)
    }
    if not parent_paths:
        return []
    return list(CoursePage.objects.filter(path__in=parent_paths))


def may_download(user, courses):
    """Any course using the file lets its readers download it (one query)."""
    return bool(viewable_course_ids(user, courses))


def accel_redirect_response(file_name, content_type):
    """Let the web server send MEDIA_ROOT/`file_name` (an internal location).

    The web server maps PROTECTED_FILES_ACCEL_PREFIX to MEDIA_ROOT as an internal
    location and serves ranges itself.
    """
    prefix = settings.PROTECTED_FILES_ACCEL_PREFIX.rstrip("/")
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = f"{prefix}/{quote(file_name)}"
    return response


def parse_range(header, size):
    """(start, end) inclusive for a single `bytes=` range, None to send everything.

    Raises ValueError when the range cannot be satisfied (answer 416).
    Several ranges at once are answered with the whole file, as RFC 9110 allows.
    """
    match = RANGE_RE.match(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # "bytes=-N": the last N bytes.
        length = int(last)
        if length == 0:
            raise ValueError("empty suffix range")
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise ValueError("range outside the file")
    return start, end


def _read(file, start, length):
    try:
        file.seek(start)
        while length > 0:
            chunk = file.read(min(CHUNK_SIZE, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        file.close()


def ranged_file_response(request, field_file, content_type):
    """Stream a stored file, honouring a single `Range: bytes=` request."""
    size = field_file.size
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except ValueError:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = byte_range or (0, size - 1)
    length = max(end - start + 1, 0)
    file = field_file.storage.open(field_file.name, "rb")
    response = StreamingHttpResponse(
        _read(file, start, length),
        status=206 if byte_range else 200,
        content_type=content_type,
    )
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    try:
        modified = field_file.storage.get_modified_time(field_file.name)
        response["Last-Modified"] = http_date(modified.timestamp())
    except (NotImplementedError, OSError):
        pass
    return response


@require_safe
def serve_media(request, media_id, filename):
    """A wagtailmedia video or audio file, for those who may see its module.

    A file used by no module is only served to people who can use the admin (so an
    instructor can preview a draft); everyone else gets 404, as for a missing file.
    """
    media = get_object_or_404(get_media_model(), pk=media_id)
    if os.path.basename(media.file.name) != filename:
        raise Http404("No such file.")

    courses = courses_using(media)
    if courses:
        allowed = may_download(request.user, courses)
    else:
        allowed = request.user.has_perm("wagtailadmin.access_admin")
        if not allowed:
            raise Http404("No such file.")
    if not allowed:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied("Enroll in the course to watch this.")

    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if settings.PROTECTED_FILES_ACCEL_PREFIX:
        response = accel_redirect_response(media.file.name, content_type)
    else:
        try:
            response = ranged_file_response(request, media.file, content_type)
        except FileNotFoundError:
            raise Http404("No such file.") from None
    # Per-user answer: shared caches must not keep it.
    response["Cache-Control"] = "private"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def protect_module_documents(document, request):
    """Apply the access rule to documents that a module's contents use (Wagtail's
    `before_serve_document` hook); other documents stay as Wagtail serves them."""
    courses = courses_using(document)
    if not courses or may_download(request.user, courses):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied("Enroll in the course to download this file.")


def sendfile(request, filename, mimetype="application/octet-stream", **kwargs):
    """A Wagtail sendfile backend: Django decides access, nginx sends the bytes.

    Wagtail's document view calls SENDFILE_BACKEND's `sendfile(request, filename)`
    with the file's local path; base settings point it here when
    PROTECTED_FILES_ACCEL_PREFIX is set (production, behind nginx).
    """
    relative = os.path.relpath(filename, settings.MEDIA_ROOT)
    if relative.startswith(".."):
        raise ValueError(f"{filename} is outside MEDIA_ROOT")
    return accel_redirect_response(relative.replace(os.sep, "/"), mimetype)


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


def serve_private_file(request, field_file, filename, content_type=None):
    """A stored file the caller has already decided `request.user` may have, as a
    download: never inline (a hand-in is whatever its author uploaded) and never
    kept by a browser's or proxy's cache.

    The same delivery as the protected views above: X-Accel-Redirect in production,
    otherwise streamed here with single ranges; a file missing from storage is 404.
    """
    content_type = (
        content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    if settings.PROTECTED_FILES_ACCEL_PREFIX:
        response = accel_redirect_response(field_file.name, content_type)
    else:
        try:
            response = ranged_file_response(request, field_file, content_type)
        except FileNotFoundError:
            raise Http404("No such file.") from None
    response["Cache-Control"] = "private, no-store"
    # A plain fallback name for old clients; `filename*` carries the real one.
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\]', "", filename)
    response["Content-Disposition"] = (
        f'attachment; filename="{ascii_name or "download"}"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
