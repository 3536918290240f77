"""The request's side of the site cache: one round trip to start, whole anonymous
pages, response headers, the site of a host.

An optional front cache (nginx `proxy_cache`, see deploy/) holds whole anonymous
pages too. `CacheHeadersMiddleware` marks which responses it (and the app's own
response cache) may keep; pages purge it through `wagtail.contrib.frontend_cache`.
"""

import functools

from django.conf import settings
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers

from sitecache import tags, wagtail_sites
from sitecache.pages import cacheable_query, current_page_tags, request_host, site_key
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
        wanted_tags = []
        keys = []
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session_key:
            keys.append(cache_key_for(session_key))
            user_pk = tags.session_users.get(session_key)
            if user_pk is not None:
                wanted_tags += tags.user_tags(user_pk)
        address = (request_host(request) or "", request.path)
        wanted_tags += tags.path_tags.get(address) or []
        with tags.request_scope(wanted_tags, keys):
            response = self.respond(request, address)
            shown = current_page_tags()
            if shown is not None:
                tags.path_tags.put(address, shown)
            return response

    def respond(self, request, address):
        if not self.may_share(request):
            return self.get_response(request)
        shown = tags.path_tags.get(address)
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
        if request.method == "GET" and served is not None and self.storable(response):
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
