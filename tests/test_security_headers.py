"""Security headers: a strict Content-Security-Policy on our pages, a looser one only
where Wagtail's admin and Swagger UI need it, and a Permissions-Policy."""

import copy
import re
from pathlib import Path

import pytest
from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from wagtail.embeds.models import Embed

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates"] + [
    ROOT / app / "templates" for app in ("learning", "classroom", "chat", "search")
]
YOUTUBE = "https://www.youtube.com"


def directives(response):
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


@pytest.mark.django_db
def test_site_pages_get_a_strict_content_security_policy(client):
    csp = directives(client.get("/accounts/login/"))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["media-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert set(csp["frame-src"]) >= {
        YOUTUBE,
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
    }


@pytest.mark.django_db
def test_error_pages_and_the_api_get_the_policy_too(client):
    assert "Content-Security-Policy" in client.get("/no-such-page/")
    assert "Content-Security-Policy" in client.get("/api/")


@pytest.mark.django_db
def test_the_admin_gets_its_own_policy_and_the_site_does_not(client):
    admin = directives(client.get("/admin/login/"))
    assert "'unsafe-inline'" in admin["style-src"]
    assert admin["frame-ancestors"] == ["'self'"]
    assert admin["object-src"] == ["'none'"]
    site = directives(client.get("/accounts/login/"))
    assert "'unsafe-inline'" not in site["script-src"] + site["style-src"]


@pytest.mark.django_db
def test_swagger_ui_gets_the_inline_init_it_needs(client):
    docs = directives(client.get("/api/docs/"))
    assert "'unsafe-inline'" in docs["script-src"]
    assert "'unsafe-inline'" not in directives(client.get("/api/"))["script-src"]


@pytest.mark.django_db
def test_permissions_policy_turns_off_devices_and_allows_embeds_fullscreen(client):
    header = client.get("/accounts/login/")["Permissions-Policy"]
    features = dict(item.strip().split("=", 1) for item in header.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
    assert features["fullscreen"].startswith("(self ")
    assert f'"{YOUTUBE}"' in features["fullscreen"]
    assert "Permissions-Policy" in client.get("/admin/login/")


def template_files():
    for directory in TEMPLATE_DIRS:
        yield from directory.rglob("*.html")


def test_our_templates_have_no_inline_script_style_or_handlers():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    inline_style = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in template_files()
        for pattern in (inline_script, inline_style, handler)
        if pattern.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_video_embeds_render_without_an_inline_style():
    embed = Embed(
        url="https://www.youtube.com/watch?v=x",
        html='<iframe src="https://www.youtube.com/embed/x"></iframe>',
        width=640,
        height=360,
    )
    html = render_to_string("wagtailembeds/embed_frontend.html", {"embed": embed})
    assert "style=" not in html
    assert '<iframe src="https://www.youtube.com/embed/x">' in html


# Views of this module's own URLconf (pytest.mark.urls below): django-csp's
# decorators and a nonce, beside a response with no policy of its own.
def plain_view(request):
    return HttpResponse("plain")


@csp_update({"img-src": ["https://images.example.org"]})
def own_policy_view(request):
    return HttpResponse("own")


def nonce_view(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


urlpatterns = [
    path("plain/", plain_view),
    path("own/", own_policy_view),
    path("nonce/", nonce_view),
]


@pytest.mark.urls(__name__)
def test_a_view_with_its_own_policy_or_a_nonce_gets_its_own_header(client):
    # The plain response's header is built once and copied from then on: neither
    # the decorated view nor the nonce may get the copy.
    for _ in range(2):
        plain = directives(client.get("/plain/"))
        assert plain["img-src"] == ["'self'", "data:"]
    own = directives(client.get("/own/"))
    assert own["img-src"] == ["'self'", "data:", "https://images.example.org"]
    assert directives(client.get("/plain/")) == plain


@pytest.mark.urls(__name__)
def test_a_response_that_used_a_nonce_gets_it_in_its_header(client, settings):
    # Our policy names no nonce (no inline script at all); one that did would get
    # each response's own.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["script-src"] = ["'self'", NONCE]
    settings.CONTENT_SECURITY_POLICY = policy
    plain = directives(client.get("/plain/"))
    assert plain["script-src"] == ["'self'"]
    nonces = set()
    for _ in range(2):
        response = client.get("/nonce/")
        nonce = re.search(r"nonce='([^']+)'", response.content.decode()).group(1)
        assert directives(response)["script-src"] == ["'self'", f"'nonce-{nonce}'"]
        nonces.add(nonce)
    assert len(nonces) == 2
    assert directives(client.get("/plain/")) == plain


@pytest.mark.urls(__name__)
def test_a_changed_policy_setting_is_used_at_once(client, settings):
    assert directives(client.get("/plain/"))["object-src"] == ["'none'"]
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["object-src"] = ["'self'"]
    settings.CONTENT_SECURITY_POLICY = policy
    assert directives(client.get("/plain/"))["object-src"] == ["'self'"]


@pytest.mark.django_db
def test_a_page_from_the_response_cache_carries_the_security_headers(client, catalog):
    first = client.get("/courses/")
    again = client.get("/courses/")
    assert (first["X-Educa-Cache"], again["X-Educa-Cache"]) == ("miss", "hit")
    for header in ("Content-Security-Policy", "Permissions-Policy"):
        assert again[header] == first[header]
