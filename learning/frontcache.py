"""Purging the optional front cache (nginx `proxy_cache`, deploy/) after a change.

A page's change purges the page and every page that lists it, through
`wagtail.contrib.frontend_cache`, once the change is committed. The app's own cache
needs no purging (sitecache: its keys name what they show).
"""

import math

from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_delete
from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from learning.models import CATALOG_PAGE_SIZE, CatalogPage, CoursePage, SubjectPage


def front_cache_enabled():
    return bool(getattr(settings, "WAGTAILFRONTENDCACHE", None))


def listing_urls(page):
    """Full URLs of the page and of every page that lists it, with their pages.

    A course shows on the home page, the catalogue and its subject (each paginated);
    a module on its course. The catalogue pages are numbered `?page=N`; every page
    number is purged because adding a course shifts all of them.
    """
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
    if urls and front_cache_enabled():
        urls = sorted(urls)
        transaction.on_commit(lambda: purge_urls_from_cache(urls))


def on_page_changed(sender, instance, **kwargs):
    if front_cache_enabled():
        purge_after_commit(listing_urls(instance))


def on_page_moved(sender, instance, parent_page_before, url_path_before, **kwargs):
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


def connect():
    page_published.connect(on_page_changed, dispatch_uid="learning.front.published")
    page_unpublished.connect(on_page_changed, dispatch_uid="learning.front.unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid="learning.front.moved")
    pre_delete.connect(on_page_pre_delete, dispatch_uid="learning.front.deleted")
