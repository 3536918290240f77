"""Adapter: hand Wagtail the request's site found in the cache.

Wagtail has no public way to give a request its site: `Site.find_for_request`
looks the site up and keeps it on the request in a private attribute, which every
later call (routing, page URLs, the userbar) reads. This is the one place that
writes it; sitecache/tests/test_wagtail_sites.py fails when Wagtail stops reading
it from there.
"""

WAGTAIL_SITE_ATTRIBUTE = "_wagtail_site"


def set_site_for_request(request, site):
    setattr(request, WAGTAIL_SITE_ATTRIBUTE, site)
