"""Per-user decorations inside shared HTML, filled for each request.

A shared fragment may carry small bits that are a user's own: the tick of each module
they have done in a cached module list, a quiz's "2 attempts left". A template writes
`{% decoration "module-done" module.pk %}` (sitecache/templatetags/shared_cache.py),
inside `{% sharedcache %}` fragments and shells too: it renders a *marker*, the same
for every user, so the entries that hold it stay shared. The app that owns a
decoration registers how to fill it, from its AppConfig.ready():

    decorations.register("module-done", fill)

`fill(request, ids)` gets every id the response's markers of that name carry (as
strings, in order of first appearance), is called once per name per request, and
answers {id: html} (HTML-safe strings; anything else is escaped). Each marker is
replaced by its html, or by nothing: an id missing from the answer, a name nobody
registered, an anonymous visitor.

Markers are stored in shared entries; their fill never is. The fill happens on the
response (the middlewares below), after every cache has kept its copy: the response
cache stores anonymous answers with their markers and its hits are filled on the
way out like any response.

A marker holds a key derived from SECRET_KEY: the same in every process (entries are
shared), unknown to a page's authors, so an instructor's HTML cannot fake one (a
look-alike with another key is left as it is). Markers are replaced before a
response leaves, so the key never reaches a browser. Only text/html responses are
filled: use decorations in pages only.
"""

import functools
import re
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from django.utils.html import conditional_escape

NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
# What an id may hold: nothing that could end the comment or break out of it.
ID = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")

# name -> fill(request, ids) -> {id: html}
fills = {}


def register(name, fill):
    """Fill the decorations named `name` with `fill` (see the module's doc)."""
    if not NAME.match(name):
        raise ImproperlyConfigured(f"Not a decoration name: {name!r}")
    if fills.get(name, fill) is not fill:
        raise ImproperlyConfigured(f"The decoration {name!r} is registered twice.")
    fills[name] = fill


@functools.lru_cache(maxsize=4)
def _key(secret):
    return salted_hmac("sitecache.decorations", "marker", secret=secret).hexdigest()[
        :32
    ]


def marker_key():
    """The key every marker holds (the same in every process of a deployment)."""
    return _key(settings.SECRET_KEY)


def marker(name, item_id):
    """The marker of decoration `name` for `item_id`."""
    item_id = str(item_id)
    if not NAME.match(name) or not ID.match(item_id):
        raise ValueError(f"Not a decoration: {name!r} {item_id!r}")
    return f"<!--deco:{marker_key()}:{name}:{item_id}-->"


@functools.lru_cache(maxsize=4)
def _patterns(key):
    prefix = f"<!--deco:{key}:".encode()
    pattern = re.compile(
        re.escape(prefix) + rb"([a-z0-9][a-z0-9_-]*):([A-Za-z0-9_.-]{1,64})-->"
    )
    return prefix, pattern


def fill_content(request, content, charset="utf-8"):
    """`content` (bytes) with each marker filled for `request`, or None when it
    holds none (the page is then left as it is)."""
    prefix, pattern = _patterns(marker_key())
    if prefix not in content:
        return None  # most pages: one scan, nothing else
    user = getattr(request, "user", None)  # none on a response cache hit
    filled = {}
    if user is not None and user.is_authenticated:
        wanted = defaultdict(dict)  # name -> ids, in order, once each
        for match in pattern.finditer(content):
            wanted[match[1].decode()][match[2].decode()] = None
        for name, ids in wanted.items():
            fill = fills.get(name)
            if fill is not None:
                answer = fill(request, list(ids)) or {}
                filled[name] = {
                    str(item_id): str(conditional_escape(html)).encode(charset)
                    for item_id, html in answer.items()
                }

    def replacement(match):
        return filled.get(match[1].decode(), {}).get(match[2].decode(), b"")

    return pattern.sub(replacement, content)


def fill_response(request, response):
    """Fill the markers of an HTML response (not a streaming one) in place."""
    if response.streaming or not response.get("Content-Type", "").startswith(
        "text/html"
    ):
        return response
    content = fill_content(request, response.content, response.charset)
    if content is not None:
        response.content = content
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(content))
    return response


class UserDecorationMiddleware:
    """Fill a logged-in user's decorations inside the request's cache scope.

    Placed just below sitecache.middleware.RequestCacheMiddleware: what a fill
    reads (a student's done modules) comes from the request's one round trip to the
    cache. A logged-in user's answer is private, never kept by the response cache;
    anonymous answers pass with their markers, which `DecorationMiddleware` clears.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            fill_response(request, response)
        return response


class DecorationMiddleware:
    """Fill whatever markers are left, on every response, cache hits included.

    Placed just above sitecache.middleware.RequestCacheMiddleware, so the response
    cache stores markers (never a fill) and each of its hits passes here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return fill_response(request, self.get_response(request))
