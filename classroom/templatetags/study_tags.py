"""A student's courses as the home page's per-user part and "My courses" show them.

`{% studies_of_user as studies %}` reads the database on every rendering (a fixed
number of queries), so a page showing it is never kept whole for its user
(sitecache.middleware.UserPageCacheMiddleware keeps only pages made without a
query) and "Last activity 3 days ago" is always said from the present moment.
"""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from classroom.progress import split_studies, studies_of

register = template.Library()


@register.simple_tag(takes_context=True)
def studies_of_user(context):
    """The logged-in user's studies split by `split_studies` (nothing for a
    visitor)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return split_studies([])
    return split_studies(studies_of(user))


@register.filter
def ago(when, now=None):
    """ "3 days ago", "2 hours ago", "just now": how long ago `when` was, in its
    largest unit."""
    if not when:
        return ""
    now = now or timezone.now()
    if (now - when).total_seconds() < 60:
        return "just now"
    return f"{timesince(when, now, depth=1)} ago"
