"""Caching of the published catalogue, and keeping every cache exact.

Two caches sit in front of the database:

* Template fragments in Django's cache (Redis in production). Fragments that show
  more than one page (the catalogue's subject list and course cards, a course's
  module list) vary on the *catalogue generation*, a random token stored in the cache
  and replaced whenever a page is published, unpublished, moved, saved or deleted, or
  an enrollment changes. Fragments of one page's own content vary on the page's
  revision (`page.cache_key`). No fragment has a timeout: nothing is ever stale, it
  is just unreachable once the generation moves on (Redis evicts it by LRU).
* An optional front cache (nginx `proxy_cache`, see deploy/), which holds whole
  anonymous pages. `CacheHeadersMiddleware` marks which responses it may keep, and the
  receivers below purge the page and the listings that show it through
  `wagtail.contrib.frontend_cache` after the change is committed.

Per-user parts (the enroll button, progress, the account menu) are never inside a
cached fragment; logged-in responses are `private`.

The receivers are connected at import; `LearningConfig.ready()` imports this module.
"""

import logging
import math
import threading
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils.cache import patch_cache_control, patch_vary_headers
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

logger = logging.getLogger(__name__)

GENERATION_KEY = "learning:catalogue:generation"

# Set when replacing the generation failed (cache unreachable): the next cache read
# in this process retries first, so entries written before an outage cannot come
# back into use after it.
_pending_bump = threading.Event()


def catalogue_generation():
    """The token that catalogue-wide fragments vary on; made on first use."""
    if _pending_bump.is_set():
        bump_catalogue_generation()
    token = cache.get(GENERATION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        # add() keeps a token another process stored in the meantime.
        if not cache.add(GENERATION_KEY, token, timeout=None):
            token = cache.get(GENERATION_KEY) or token
    return token


def bump_catalogue_generation(**kwargs):
    """Make every catalogue-wide fragment unreachable (a new generation)."""
    token = uuid.uuid4().hex
    cache.set(GENERATION_KEY, token, timeout=None)
    # With IGNORE_EXCEPTIONS a failed write is silent; read it back to know.
    if cache.get(GENERATION_KEY) == token:
        _pending_bump.clear()
    else:
        logger.warning("Could not replace the catalogue cache generation; will retry")
        _pending_bump.set()


def catalogue_changed():
    """Invalidate now and again after commit.

    The second bump closes the race where a concurrent request reads the old rows
    before our transaction commits and stores them under the new generation.
    """
    bump_catalogue_generation()
    connection = transaction.get_connection()
    # One publish saves the page several times: one bump per transaction is enough.
    if connection.in_atomic_block and any(
        func is bump_catalogue_generation
        for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(bump_catalogue_generation)


def context(request):
    """Template context processor: `catalogue_generation`, read only when used.

    Django calls a callable context value when a template resolves it; the token is
    read at most once per request however many fragments vary on it.
    """
    read = []

    def generation():
        if not read:
            read.append(catalogue_generation())
        return read[0]

    return {"catalogue_generation": generation}


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


def on_enrollment_changed(sender, instance, raw=False, **kwargs):
    # Enrollment counts (popular courses) are part of what listings may show.
    if not raw:
        catalogue_changed()


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


# --- Response headers for browsers and the front cache ----------------------------


class CacheHeadersMiddleware:
    """Mark anonymous page responses public for shared caches, the rest private.

    A page served by Wagtail to a visitor without a session, answered 200 without
    setting a cookie, gets `Cache-Control: public, max-age=0, s-maxage=N` and
    `Vary: Cookie`: a front cache may keep it (purged on publish), browsers
    revalidate. Responses to logged-in users get `private, no-cache`.
    """

    PUBLIC_VIEWS = {"wagtail_serve"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
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
