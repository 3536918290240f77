"""The adapter's contract with Wagtail (sitecache/wagtail_sites.py)."""

import pytest
from django.test import RequestFactory
from wagtail.models import Site

from sitecache.wagtail_sites import set_site_for_request


@pytest.mark.django_db
def test_wagtail_uses_the_site_handed_to_the_request(
    site_tree, django_assert_num_queries
):
    site = Site.objects.get(is_default_site=True)
    request = RequestFactory().get("/", HTTP_HOST="elsewhere.example")
    set_site_for_request(request, site)
    with django_assert_num_queries(0):
        assert Site.find_for_request(request) is site
