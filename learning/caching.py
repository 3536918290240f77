"""Caching of the published catalogue, and keeping every cache exact.

Everything the site shows to more than one user is cached under the *catalogue
generation*: a random token stored in the cache and replaced whenever a page is
saved, published, unpublished, moved or deleted, a page is made private, or a site,
image, document, video or user changes. What also depends on who is enrolled (the
access rule's answers, enrollment status, the API's student counts) varies on an
*enrollment generation* too, which enrollments replace. An entry is never
stale, only unreachable once the generation moves on; the cache reclaims it (LRU, or
ENTRY_TIMEOUT). Such an entry never changes once written, so each process keeps
copies of those it used (`LocalCopies`) and asks the cache only for the token: read
once per request, with the permissions' generation (learning.auth), in one round trip.

What is cached that way:

* whole anonymous page responses (`PublicResponseCacheMiddleware`);
* template fragments (`{% sharedcache %}`, learning/templatetags/shared_cache.py);
* the site of a host, the page at an address, the paths of private pages, a course
  and its module outline (learning.models, learning.middleware);
* a user's answer from the access rule (classroom.access), the user a session
  names and their permissions (learning.auth);
* the API's public lists and course contents (classroom.api.views).

An optional front cache (nginx `proxy_cache`, see deploy/) holds whole anonymous
pages. `CacheHeadersMiddleware` marks which responses it (and the app's own response
cache) may keep, and the receivers below purge the page and the listings that show
it through `wagtail.contrib.frontend_cache` after the change is committed.

Per-user parts (the enroll button, progress, the account menu) are never inside a
cached fragment; logged-in responses are `private`.

The receivers are connected at import; `LearningConfig.ready()` imports this module.
"""

import contextvars
import functools
import hashlib
import logging
import math
import pickle
import threading
import uuid
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtailmedia import get_media_model

from learning.cache_backend import breaker, cache_unavailable

logger = logging.getLogger(__name__)

GENERATION_KEY = "learning:catalogue:generation"
# Mixed into every other generation's token: replaced after a cache outage, so that
# nothing stored before it (or written during it by a process that could not reach
# the cache to invalidate) is used again, in any process.
EPOCH_KEY = "learning:cache:epoch"
PERMISSIONS_GENERATION_KEY = "learning:permissions:generation"  # learning.auth
# Who is enrolled where: the access rule's answers, enrollment status and the API's
# counts of students vary on it, pages do not (an enrollment keeps them cached).
ENROLLMENT_GENERATION_KEY = "learning:enrollments:generation"
PREFETCHED_GENERATIONS = [
    EPOCH_KEY,
    GENERATION_KEY,
    PERMISSIONS_GENERATION_KEY,
    ENROLLMENT_GENERATION_KEY,
]

# Generation keys whose replacement failed (cache unreachable): the next read of one
# in this process replaces it first, and a timer retries meanwhile, so entries
# written before an outage cannot come back into use after it (a Redis that keeps
# its data across the outage, or one that was only hung).
pending_replacements = set()
RETRY_SECONDS = 0.2

# Within a request (see PublicResponseCacheMiddleware) each generation token is
# read from the cache once (all of them in one round trip) and remembered here; a
# bump during the request updates it. Entries read by the request are kept here too.
_request_memo = contextvars.ContextVar("generation_memo", default=None)

# Entries keyed by a generation are unreachable once it moves on; the timeout only
# lets the cache reclaim them without an LRU policy. Never needed for correctness.
ENTRY_TIMEOUT = 24 * 3600

_MISSING = object()


def current_generation(key):
    """The token stored under `key`, made on first use (see catalogue_generation),
    prefixed with the cache epoch's."""
    if key == EPOCH_KEY:
        return stored_generations([EPOCH_KEY])[EPOCH_KEY]
    tokens = stored_generations([EPOCH_KEY, key])
    epoch_hint.value = tokens[EPOCH_KEY]
    return f"{tokens[EPOCH_KEY]}.{tokens[key]}"


def stored_generations(keys):
    """The tokens stored under `keys`: from this request's memo, else in one round
    trip to the cache (outside a request too: the chat checks access per frame)."""
    for key in keys:
        if key in pending_replacements:
            replace_generation(key)
    memo = _request_memo.get()
    tokens = {key: memo[key] for key in keys if memo is not None and key in memo}
    missing = [key for key in keys if key not in tokens]
    found = cache.get_many(missing) if missing else {}
    for key in missing:
        token = found.get(key)
        if token is None:
            token = uuid.uuid4().hex
            # add() keeps a token another process stored in the meantime.
            if not cache.add(key, token, timeout=None):
                token = cache.get(key) or token
        tokens[key] = token
        if memo is not None:
            memo[key] = token
    return tokens


class EpochHint:
    """The cache epoch this process saw last: sessions are keyed by it, since a
    session is read in the same round trip as the epoch (learning.sessions). A stale
    hint costs a cache miss (the session then loads from the database), never a
    stale session."""

    value = ""


epoch_hint = EpochHint()


def prefetched(key):
    """A value read from the cache at the start of this request (or _MISSING)."""
    memo = _request_memo.get()
    return _MISSING if memo is None else memo.pop(key, _MISSING)


def session_cache_key(session_key):
    from learning.sessions import cache_key_for

    return cache_key_for(session_key)


def replace_generation(key):
    """Store a new token under `key`: every entry keyed by the old one is gone."""
    token = uuid.uuid4().hex
    cache.set(key, token, timeout=None)
    memo = _request_memo.get()
    if memo is not None:
        memo[key] = token
    # With IGNORE_EXCEPTIONS a failed write is silent; read it back to know.
    if cache.get(key) == token:
        pending_replacements.discard(key)
    else:
        logger.warning("Could not replace the cache generation %s; will retry", key)
        pending_replacements.add(key)
        schedule_retry()
    return token


class RetryTimer:
    """Retries pending replacements every RETRY_SECONDS until the cache takes them,
    so an outage's invalidations reach the cache as soon as it is back, whether or
    not this process serves a request then."""

    def __init__(self):
        self.lock = threading.Lock()
        self.timer = None

    def schedule(self):
        with self.lock:
            if self.timer is None:
                self.timer = threading.Timer(RETRY_SECONDS, self.run)
                self.timer.daemon = True
                self.timer.start()

    def run(self):
        with self.lock:
            self.timer = None
        # Past the circuit breaker: the cache is tried at once, every time.
        with breaker.probing():
            for key in list(pending_replacements):
                replace_generation(key)

    def cancel(self):
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None


retry_timer = RetryTimer()


def schedule_retry():
    retry_timer.schedule()


def on_cache_unavailable(**kwargs):
    """Whatever the cache holds may have missed invalidations: a new epoch once the
    cache is back (and before this process reads it again)."""
    pending_replacements.add(EPOCH_KEY)
    schedule_retry()


cache_unavailable.connect(on_cache_unavailable, dispatch_uid="learning.caching.outage")


def catalogue_generation():
    """The token that catalogue-wide fragments vary on; made on first use."""
    return current_generation(GENERATION_KEY)


def bump_catalogue_generation(**kwargs):
    """Make every catalogue-wide fragment unreachable (a new generation)."""
    replace_generation(GENERATION_KEY)


class LocalCopies:
    """This process's copies of entries that never change once written.

    An entry keyed by a generation token holds the same value until the token is
    replaced, and then is never asked for again; so a copy kept in the process is as
    exact as the shared cache, and saves a round trip to it. Values are kept pickled
    (each reader gets objects of its own, as from Redis), least recently used first
    out past `max_bytes`.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            data = self.entries.get(key)
            if data is None:
                return _MISSING
            self.entries.move_to_end(key)
        return pickle.loads(data)  # noqa: S301 - our own values, never user input

    def put(self, key, value):
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self.lock:
            old = self.entries.pop(key, None)
            self.size -= len(old) if old is not None else 0
            self.entries[key] = data
            self.size += len(data)
            while self.size > self.max_bytes and self.entries:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0


local_copies = LocalCopies(max_bytes=32 * 1024 * 1024)


def shared_get(key, default=None):
    """An entry of a generation key: from this request's, else this process's
    copies, else the cache. (Within a request every reader of a key gets the same
    object: a page and its per-user parts read one copy of the course's outline.)"""
    memo = _request_memo.get()
    if memo is not None:
        value = memo.get(key, _MISSING)
        if value is not _MISSING:
            return value
    value = local_copies.get(key)
    if value is _MISSING:
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            return default
        local_copies.put(key, value)
    if memo is not None:
        memo[key] = value
    return value


def shared_set(key, value):
    """Store an entry of a generation key in the cache and in this process."""
    cache.set(key, value, timeout=ENTRY_TIMEOUT)
    local_copies.put(key, value)
    memo = _request_memo.get()
    if memo is not None:
        memo[key] = value


# --- Per-user generations ---------------------------------------------------------
#
# What only one user's own actions change (the modules a student has done) is keyed
# by a generation of that user's, replaced by their changes alone: one student
# marking a module done leaves everyone else's entries in use.

# The per-user generations read with the session (see PublicResponseCacheMiddleware).
PREFETCHED_USER_GENERATIONS = ["progress"]


def user_generation_key(name, user_pk):
    return f"learning:{name}:generation:{user_pk}"


def user_generation(name, user_pk):
    """The token of `user_pk`'s generation `name`; made on first use."""
    return current_generation(user_generation_key(name, user_pk))


def user_data_changed(name, user_pk):
    """Make `user_pk`'s entries of `name` unreachable, now and after commit."""
    bump_now_and_on_commit(
        functools.partial(replace_generation, user_generation_key(name, user_pk))
    )


def remember_for_user(name, user_pk, compute):
    """`compute()`, cached under `user_pk`'s generation `name` (exact, as remember)."""
    return remembered(
        f"learning:{name}:{user_generation(name, user_pk)}:{user_pk}", compute
    )


class SessionUsers:
    """Which user each recently seen session names, as a hint for prefetching.

    Filled when a session is loaded (learning.sessions); read at the start of the
    next request with that session to fetch the user's generations in the same round
    trip as the session itself. Only a hint: a wrong or missing entry costs one
    more round trip, never a wrong answer (every key names its user).
    """

    def __init__(self, max_entries):
        self.max_entries = max_entries
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, session_key):
        with self.lock:
            return self.entries.get(session_key)

    def put(self, session_key, user_pk):
        with self.lock:
            if self.entries.get(session_key) == user_pk:
                return
            self.entries[session_key] = user_pk
            if len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


session_users = SessionUsers(max_entries=20_000)


def enrollment_generation():
    """The token that what depends on enrollments varies on."""
    return current_generation(ENROLLMENT_GENERATION_KEY)


def bump_enrollment_generation(**kwargs):
    replace_generation(ENROLLMENT_GENERATION_KEY)


def catalogue_changed():
    """Invalidate now and again after commit.

    The second bump closes the race where a concurrent request reads the old rows
    before our transaction commits and stores them under the new generation.
    """
    bump_now_and_on_commit(bump_catalogue_generation)


def enrollments_changed():
    """Invalidate what depends on enrollments, now and again after commit."""
    bump_now_and_on_commit(bump_enrollment_generation)


def bump_now_and_on_commit(bump):
    """Call `bump` now and once more after the transaction commits (see
    catalogue_changed); once per transaction however many saves it makes."""
    bump()
    connection = transaction.get_connection()
    # One publish saves the page several times: one bump per transaction is enough.
    if connection.in_atomic_block and any(
        func is bump for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(bump)


def generation_key(name, parts, enrollments=False):
    """A cache key that belongs to the current catalogue generation (and, with
    `enrollments`, to the current enrollment generation).

    Parts taken from a request (a path, a host) are hashed: keys stay short however
    long the address. A `name` holds one shape of value: give a new shape a new name
    (processes of the previous release may still be running).
    """
    digest = hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:32]
    tokens = catalogue_generation()
    if enrollments:
        tokens += ":" + enrollment_generation()
    return f"learning:{name}:{tokens}:{digest}"


def remember(name, parts, compute, enrollments=False):
    """`compute()`, cached under the current generation (exact, as the fragments).

    For what many requests read and only a page event changes: a site, a route, the
    view restrictions, a course and its module list. `parts` name the entry; what
    also depends on who is enrolled passes `enrollments=True`.
    """
    return remembered(generation_key(name, parts, enrollments), compute)


def remembered(key, compute):
    """The entry at `key` (a generation key), made by `compute()` when missing."""
    value = shared_get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        shared_set(key, value)
    return value


# --- Front cache purges -----------------------------------------------------------


def front_cache_enabled():
    return bool(getattr(settings, "WAGTAILFRONTENDCACHE", None))


def listing_urls(page):
    """Full URLs of the page and of every page that lists it, with their pages.

    A course shows on the home page, the catalogue and its subject (each paginated);
    a module on its course. The catalogue pages are numbered `?page=N`; every page
    number is purged because adding a course shifts all of them.
    """
    from learning.models import CATALOG_PAGE_SIZE, CatalogPage, CoursePage, SubjectPage

    urls = set()
    for each in page.get_ancestors(inclusive=True).filter(depth__gt=1).specific():
        url = each.get_full_url()
        if not url:
            continue
        urls.add(url)
        if isinstance(each, CatalogPage):
            courses = CoursePage.objects.live().descendant_of(each)
        elif isinstance(each, SubjectPage):
            courses = CoursePage.objects.live().child_of(each)
        else:
            continue
        # One more than today's count: a course just removed shifted the pages.
        last = math.ceil((courses.count() + 1) / CATALOG_PAGE_SIZE)
        urls.update(f"{url}?page={number}" for number in range(2, last + 1))
    return urls


def purge_after_commit(urls):
    if not urls or not front_cache_enabled():
        return
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    urls = sorted(urls)
    transaction.on_commit(lambda: purge_urls_from_cache(urls))


def purge_page_and_listings(page):
    if front_cache_enabled():
        purge_after_commit(listing_urls(page))


# --- Receivers ------------------------------------------------------------------


def on_page_published(sender, instance, **kwargs):
    catalogue_changed()
    purge_page_and_listings(instance)


def on_page_unpublished(sender, instance, **kwargs):
    catalogue_changed()
    purge_page_and_listings(instance)


def on_page_moved(sender, instance, parent_page_before, url_path_before, **kwargs):
    catalogue_changed()
    if not front_cache_enabled():
        return
    urls = listing_urls(instance) | listing_urls(parent_page_before)
    # The page's old address: its url_path relative to the site root.
    site = instance.get_site()
    if site is not None:
        old_path = url_path_before[len(site.root_page.url_path) - 1 :]
        urls.add(site.root_url + old_path)
    purge_after_commit(urls)


def on_page_pre_delete(sender, instance, **kwargs):
    # URLs must be computed while the page (and its ancestors) still exist.
    if isinstance(instance, Page) and front_cache_enabled() and instance.live:
        purge_after_commit(listing_urls(instance))


def on_page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        catalogue_changed()


def on_page_saved(sender, instance, raw=False, **kwargs):
    # Saving a live page outside the publish flow (scripts, factories) changes what
    # visitors see too. Saving a draft revision also lands here: a harmless miss.
    if not raw and isinstance(instance, Page):
        catalogue_changed()


def release_deployed(**kwargs):
    """After `migrate`: entries rendered by an earlier release's templates (pages,
    fragments, shells naming its per-user parts) must not outlive it."""
    bump_catalogue_generation()


def on_enrollment_changed(sender, instance, raw=False, **kwargs):
    # Access, enrollment status and the API's student counts; no page shows them.
    if not raw:
        enrollments_changed()


page_published.connect(on_page_published, dispatch_uid="learning.caching.published")
page_unpublished.connect(
    on_page_unpublished, dispatch_uid="learning.caching.unpublished"
)
post_page_move.connect(on_page_moved, dispatch_uid="learning.caching.moved")
pre_delete.connect(on_page_pre_delete, dispatch_uid="learning.caching.pre_delete")
post_delete.connect(on_page_deleted, dispatch_uid="learning.caching.deleted")
post_save.connect(on_page_saved, dispatch_uid="learning.caching.saved")
# A lazy "app_label.Model" sender: learning does not import classroom.
post_save.connect(
    on_enrollment_changed,
    sender="classroom.Enrollment",
    dispatch_uid="learning.caching.enrolled",
)
post_delete.connect(
    on_enrollment_changed,
    sender="classroom.Enrollment",
    dispatch_uid="learning.caching.unenrolled",
)


def on_shown_data_changed(sender, instance=None, raw=False, **kwargs):
    """What pages show beside their own fields: privacy, sites, files, owners."""
    if raw:
        return
    fields = kwargs.get("update_fields")
    if sender is get_user_model() and fields and set(fields) <= {"last_login"}:
        return  # every login saves the user; nothing shown changes
    catalogue_changed()


# A page made private must stop being served from any cache at once; a site's
# hostname or root changes every route; a course card shows its image and its
# owner's name; a module shows the titles of its files and videos.
for _model in (
    PageViewRestriction,
    Site,
    get_image_model(),
    get_document_model(),
    get_media_model(),
    get_user_model(),
):
    for _signal in (post_save, post_delete):
        _signal.connect(
            on_shown_data_changed,
            sender=_model,
            dispatch_uid=f"learning.caching.shown.{_model._meta.label}.{id(_signal)}",
        )


# --- Response headers for browsers and the front cache ----------------------------


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


# --- Whole public responses in the app's cache -------------------------------------


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


class PublicResponseCacheMiddleware:
    """Serve anonymous visitors whole pages from the cache, as the front cache does.

    A response `CacheHeadersMiddleware` marks public (an anonymous page, 200, no
    cookie set, no view restriction, not a preview) is stored under the catalogue
    generation, the scheme, host and full path. It is served again only to requests
    that could not differ: GET or HEAD, no session or messages cookie, no
    Authorization header. Exact like the fragments: any page event moves the
    generation on. With no front cache in place this is what keeps anonymous
    traffic off the database; with one, it fills the front cache cheaply.

    It also scopes the per-request memo: the generations (the catalogue's, the
    enrollments', the permissions' and the user's own), read with the session in one
    round trip at the start, and the entries the request has read.
    """

    HEADER = "X-Educa-Cache"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Every generation a request may need, in one round trip to the cache.
        keys = list(PREFETCHED_GENERATIONS)
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session_key:
            keys.append(session_cache_key(session_key))
            user_pk = session_users.get(session_key)
            if user_pk is not None:
                keys += [
                    user_generation_key(name, user_pk)
                    for name in PREFETCHED_USER_GENERATIONS
                ]
        # A dict of this request's own: what the request adds must not outlive it.
        memo = dict(cache.get_many(keys))
        if memo.get(EPOCH_KEY):
            epoch_hint.value = memo[EPOCH_KEY]
        memo_token = _request_memo.set(memo)
        try:
            return self.respond(request)
        finally:
            _request_memo.reset(memo_token)

    def respond(self, request):
        key = self.key_for(request)
        if key is None:
            return self.get_response(request)
        stored = shared_get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response[self.HEADER] = "hit"
            return response
        response = self.get_response(request)
        if request.method == "GET" and self.storable(response):
            shared_set(
                key, (response.status_code, list(response.items()), response.content)
            )
            response[self.HEADER] = "miss"
        return response

    def key_for(self, request):
        if request.method not in ("GET", "HEAD"):
            return None
        if not serves_public_pages(request.path_info):
            return None  # never stored: no need to look
        if "HTTP_AUTHORIZATION" in request.META:
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        try:
            host = request.get_host()
        except DisallowedHost:
            return None  # answered 400 further in
        query = cacheable_query(request)
        if query is None:
            return None
        return generation_key("response", [request.scheme, host, request.path, query])

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


# --- Which addresses share a cached page --------------------------------------------

# The only query parameter a page's content depends on (listings' page number); any
# other (utm_*, cache busters) is ignored, so a visitor cannot make the cache hold
# more than one entry per page and page number.
PAGE_PARAMETER = "page"
MAX_CACHED_PAGE_NUMBER = 9999


def cacheable_query(request):
    """The part of the query string a cached page is keyed by, or None when this
    request's page must not be cached (a page number no listing shows)."""
    values = request.GET.getlist(PAGE_PARAMETER)
    if not values:
        return ""
    value = values[-1]  # what QueryDict.get, and so the paginator, reads
    try:
        number = int(value)
    except ValueError:
        return ""  # the paginator shows the first page
    if number == 1:
        return ""
    if 1 < number <= MAX_CACHED_PAGE_NUMBER and value == str(number):
        return urlencode({PAGE_PARAMETER: number})
    return None
