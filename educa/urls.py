"""The site's URL map (README): apps first, Wagtail's page serving last."""

import re

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import PasswordResetConfirmView
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from classroom.forms import SiteSetPasswordForm
from classroom.login import LandingLoginView
from classroom.views import LimitedPasswordResetView
from educa.api import api_urlpatterns
from learning.files import public_media

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Django's reset view with per-address and per-email limits (classroom.limits).
    path(
        "accounts/password_reset/",
        LimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/login/", LandingLoginView.as_view(), name="login"),
    # Django's reset confirmation, the password rules said in one line.
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(form_class=SiteSetPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", include("classroom.account_urls")),
    path("students/", include("classroom.urls")),
    path("students/", include("assessment.urls")),
    path("students/invitations/", include("classroom.invitation_urls")),
    path("chat/", include("chat.urls")),
    path("search/", include("search.urls")),
    path("api/", include(api_urlpatterns)),
    # Browsers ask for /favicon.ico whatever the page links: send them to the SVG.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"))),
    path("", include("learning.urls")),
]

if settings.SERVE_MEDIA:
    # Everything under MEDIA_URL goes to one view that serves only public media
    # (images): documents and video/audio of modules go through the access rule.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            public_media,
        )
    ]

urlpatterns += [path("", include(wagtail_urls))]
