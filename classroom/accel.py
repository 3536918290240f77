"""A Wagtail sendfile backend that hands documents to the web server.

Wagtail's document view calls SENDFILE_BACKEND's `sendfile(request, filename)` with
the file's local path; when PROTECTED_FILES_ACCEL_PREFIX is set (production, behind
nginx) base settings point SENDFILE_BACKEND here, so Django only decides access and
nginx sends the bytes (ranges included) from an internal location.
"""

import os

from django.conf import settings

from learning.views import accel_redirect_response


def sendfile(request, filename, mimetype="application/octet-stream", **kwargs):
    relative = os.path.relpath(filename, settings.MEDIA_ROOT)
    if relative.startswith(".."):
        raise ValueError(f"{filename} is outside MEDIA_ROOT")
    return accel_redirect_response(relative.replace(os.sep, "/"), mimetype)
