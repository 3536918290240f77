"""The request's side of the site cache: one round trip to start, whole anonymous
pages, a logged-in user's pages, response headers, the site of a host.

An optional front cache (nginx `proxy_cache`, see deploy/) holds whole anonymous
pages too. `CacheHeadersMiddleware` marks which responses it (and the app's own
response cache) may keep; pages purge it through `wagtail.contrib.frontend_cache`.
"""

import functools
import json
import re

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac

from sitecache import tags, wagtail_sites
from sitecache.pages import (
    cacheable_query,
    current_page_tags,
    forget_page_tags,
    query_is_read,
    request_host,
    site_key,
)
from sitecache.sessions import cache_key_for


class CacheHeadersMiddleware:
    """Mark anonymous page responses public for shared caches, the rest private.

    A page served by Wagtail to a visitor without a session, answered 200 without
    setting a cookie, gets `Cache-Control: public, max-age=0, s-maxage=N` and
    `Vary: Cookie`: a front cache may keep it (purged on publish), browsers
    revalidate. Responses to logged-in users get `private, no-store`: nothing of a
    user's own is kept by a browser's or proxy's cache (a shared computer's back
    button after logout shows nothing).
    """

    PUBLIC_VIEWS = {"wagtail_serve"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
        elif self.is_public(request, response):
            patch_cache_control(
                response,
                public=True,
                max_age=0,
                s_maxage=getattr(settings, "FRONT_CACHE_SECONDS", 600),
            )
            patch_vary_headers(response, ["Cookie"])
        return response

    def is_public(self, request, response):
        match = getattr(request, "resolver_match", None)
        return (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.cookies
            and not response.has_header("Cache-Control")
            and not getattr(request, "is_preview", False)
            and match is not None
            and match.url_name in self.PUBLIC_VIEWS
        )


@functools.lru_cache(maxsize=4096)
def serves_public_pages(path):
    """Whether `path` goes to a view whose answers may be public (Wagtail's pages).

    The URL map does not change while the process runs, so each path is resolved
    once per process.
    """
    try:
        return resolve(path).url_name in CacheHeadersMiddleware.PUBLIC_VIEWS
    except Resolver404:
        return False


class RequestCacheMiddleware:
    """One round trip to the cache to start each request; whole anonymous pages.

    First, in one round trip: the site-wide tags' tokens, the session's entry, the
    tokens of the user it names (`session_users`, a hint) and of the tags the page
    at this address showed last time (`path_tags`, a hint); the request keeps them
    (sitecache.tags.request_scope).

    Then, for anonymous visitors, a response `CacheHeadersMiddleware` marks public
    (an anonymous page, 200, no cookie set, no view restriction, not a preview) is
    stored under the tags its page shows, the scheme, host and path (and page
    number). It is served again only to requests that could not differ: GET or
    HEAD, no session or messages cookie, no Authorization header. With no front
    cache in place this keeps anonymous traffic off the database; with one, it
    fills the front cache cheaply.
    """

    HEADER = "X-Educa-Cache"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forget_page_tags()
        wanted_tags = []
        keys = []
        address = (request_host(request) or "", request.path)
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session_key:
            keys.append(cache_key_for(session_key))
            user_pk = tags.session_users.get(session_key)
            if user_pk is not None:
                wanted_tags += tags.user_tags(user_pk)
                page_hint = user_page_address(user_pk, *address)
                wanted_tags += tags.user_page_tags.get(page_hint) or []
        # A page may show more for some of its parameters (a listing sorted by
        # enrollments): the hint is the address's with its query.
        hint = (*address, cacheable_query(request))
        wanted_tags += tags.path_tags.get(hint) or []
        with tags.request_scope(wanted_tags, keys):
            response = self.respond(request, hint)
            shown = current_page_tags()
            if shown is not None:
                tags.path_tags.put(hint, shown)
            return response

    def respond(self, request, hint):
        if not self.may_share(request):
            return self.get_response(request)
        shown = tags.path_tags.get(hint)
        key = None if shown is None else self.key_for(request, shown)
        if key is not None:
            stored = tags.shared_get(key)
            if stored is not None:
                status, headers, content = stored
                response = HttpResponse(content, status=status)
                for name, value in headers:
                    response[name] = value
                response[self.HEADER] = "hit"
                return response
        response = self.get_response(request)
        served = current_page_tags()
        if (
            request.method == "GET"
            and served is not None
            and self.storable(response)
            and query_is_read(request)
        ):
            # Keyed by the tags of the page served: their tokens were read while
            # routing, before the page's data (sitecache.pages.use_page_tags).
            tags.shared_set(
                self.key_for(request, served),
                (response.status_code, list(response.items()), response.content),
            )
            response[self.HEADER] = "miss"
        return response

    def may_share(self, request):
        """Whether this request's answer may come from (or go to) the cache."""
        if request.method not in ("GET", "HEAD"):
            return False
        if not serves_public_pages(request.path_info):
            return False  # never stored: no need to look
        if "HTTP_AUTHORIZATION" in request.META:
            return False
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return False
        return (
            request_host(request) is not None and cacheable_query(request) is not None
        )

    @staticmethod
    def key_for(request, shown):
        """The response's key, for a page showing the tags `shown`."""
        return tags.key(
            "response",
            [
                request.scheme,
                request_host(request),
                request.path,
                cacheable_query(request),
            ],
            shown,
        )

    @staticmethod
    def storable(response):
        cache_control = response.get("Cache-Control", "")
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "public" in cache_control
            and vary <= {"", "cookie"}
        )


class CachedSiteMiddleware:
    """Find the request's Wagtail site, and its root page, in the cache.

    Wagtail looks the site up once per request (a query, then more for the root
    page it routes from). The site of a host, with the root page it routed from,
    is remembered by the root page (`CachedRoutingMixin.route`) until a site or the
    tree changes (or the root page is published: sitecache.pages), and handed to
    Wagtail here for the next requests.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A refused host (request_host None) is answered 400 further in.
        if not request.path_info.startswith(("/static/", "/api/")) and request_host(
            request
        ):
            site = tags.shared_get(site_key(request))
            if site is not None:
                wagtail_sites.set_site_for_request(request, site)
                request.site_from_cache = True
        return self.get_response(request)


class UserPageCacheMiddleware:
    """A logged-in user's page, served again to that user while nothing it was made
    from has changed.

    A page response is stored only when it was made without the database: then
    everything in it came from the request and from cache entries, each keyed by
    the tokens of the tags it shows, and the tags read meanwhile (tags.tags_read)
    are all it can depend on. It is stored under the tokens of those tags as the
    request read them (not when one was replaced meanwhile or awaits a
    replacement: tags.key_as_read), the user, the session's data and the address,
    and those tags are remembered as a hint for the address; the next request
    reads their tokens with its first round trip (RequestCacheMiddleware) and, if
    none has moved on, gets the stored page.
    A change of anything shown (an enrollment, progress, a publish, the user
    themself) replaces a token and the page is made again, from its checks on.

    Never for: anything but GET, a page not served by Wagtail, an XHR or preview,
    a request with messages to show (they are shown once), a response that sets
    a cookie or changed the session. CSRF tokens are not stored: each is replaced
    by a marker, and each answer gets a fresh one (`get_token`), as if rendered.
    Per-user decorations are filled further out, on every answer.
    """

    HEADER = RequestCacheMiddleware.HEADER

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.may_share(request):
            return self.get_response(request)
        parts = self.parts(request)
        address = user_page_address(
            request.user.pk, request_host(request), request.path
        )
        read_last_time = tags.user_page_tags.get(address)
        if read_last_time is not None:
            stored = tags.shared_get(tags.key("user-page", parts, read_last_time))
            if stored is not None:
                return self.answer(request, stored)
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        if (
            queries.count == 0
            and self.storable(request, response)
            and query_is_read(request)
        ):
            read = tags.tags_read()
            key = tags.key_as_read("user-page", parts, read)
            if key is not None:
                html = response.content.decode(response.charset)
                stored = (
                    response.status_code,
                    list(response.items()),
                    CSRF_INPUT.sub(csrf_marker(), html),
                )
                tags.shared_set(key, stored)
                tags.user_page_tags.put(address, read)
                response[self.HEADER] = "user-miss"
        return response

    @staticmethod
    def may_share(request):
        user = getattr(request, "user", None)
        return (
            request.method == "GET"
            and user is not None
            and user.is_authenticated
            and serves_public_pages(request.path_info)
            and request.headers.get("x-requested-with") != "XMLHttpRequest"
            and request_host(request) is not None
            and cacheable_query(request) is not None
            and not len(messages.get_messages(request))
        )

    @staticmethod
    def parts(request):
        session = json.dumps(dict(request.session.items()), sort_keys=True, default=str)
        return [
            request.scheme,
            request_host(request),
            request.path,
            cacheable_query(request),
            request.user.pk,
            session,
        ]

    @staticmethod
    def storable(request, response):
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.session.modified
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(request, "is_preview", False)
        )

    def answer(self, request, stored):
        status, headers, content = stored
        token = get_token(request)  # renews the CSRF cookie, as a rendering does
        html = content.replace(csrf_marker(), CSRF_INPUT_HTML.format(token=token))
        response = HttpResponse(html, status=status)
        for name, value in headers:
            response[name] = value
        response[self.HEADER] = "user-hit"
        return response


def user_page_address(user_pk, host, path):
    """The hint's key (tags.user_page_tags) of a user's page at an address; the
    first round trip (RequestCacheMiddleware) reads the tokens it names."""
    return (str(user_pk), host or "", path)  # sessions name the pk as a string


class QueryCounter:
    """A database execute wrapper (Django's public hook) that counts queries."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


# What Django's {% csrf_token %} writes (tests/test_user_page_cache.py checks it).
CSRF_INPUT_HTML = '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
CSRF_INPUT = re.compile(
    re.escape(CSRF_INPUT_HTML).replace(re.escape("{token}"), r"[A-Za-z0-9]+")
)


def csrf_marker():
    """Where a stored page had a CSRF token: the same in every process (the pages
    are shared), derived from SECRET_KEY so a page's own text cannot fake one, and
    replaced before the page leaves."""
    return _csrf_marker(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _csrf_marker(secret):
    digest = salted_hmac("sitecache.middleware", "csrf", secret=secret).hexdigest()
    return f"<!--csrf:{digest[:32]}-->"
