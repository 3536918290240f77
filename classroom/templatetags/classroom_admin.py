"""Template tags of the staff's admin screens."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def product_name():
    """The product's name (`WAGTAIL_SITE_NAME`), whatever the Site record says."""
    return settings.WAGTAIL_SITE_NAME
