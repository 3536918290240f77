"""What Wagtail pages show and what their changes forget (sitecache.tags).

A page tells the cache what it shows, as it tells Wagtail's front cache its paths:
`get_cache_tags()` (by default: itself and its ancestors, `page:<pk>` each; what is
listed below it, `below:<pk>`; and the site-wide tags every page shows: privacy,
owners' names, files), and what a change of it forgets, `get_changed_cache_tags()`
(itself, the listings of its ancestors, and on a change of the tree's shape, the
`tree`). Page types add their own (a module shows its siblings; a subject page
lists every subject).

Which edits change nothing a visitor sees: saving a draft (a revision), locking,
comments. A save of the page row with anything else (publishing, unpublishing, a
script) forgets what the page's type says; a change of `live` or of the address
also forgets the `tree` (routes, and the pages that list subjects and count courses).

The receivers are connected by `SitecacheConfig.ready()`.
"""

import contextvars
import functools

from django.core.exceptions import DisallowedHost
from django.db.models.signals import post_save, pre_delete, pre_save
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.http import urlencode
from wagtail.models import Page, PageViewRestriction, Site, get_page_models
from wagtail.signals import post_page_move

from sitecache import tags

# Fields that only the editor's side of a page shows (a draft's save, a lock).
DRAFT_FIELDS = frozenset(
    {
        "wagtail_admin_comments",
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
    }
)

# What every page shows besides its lineage: whether it is private, its owner's
# name, the files and images it uses.
SITE_WIDE_TAGS = ("privacy", "owners", "files")

# The tags of the page this request serves (set while routing, read by the
# request's cached parts: sitecache.middleware, sitecache.shells, the fragments).
_page_tags = contextvars.ContextVar("sitecache_page_tags", default=None)
# The query parameters the page this request serves reads (cache_query_parameters).
_page_parameters = contextvars.ContextVar("sitecache_page_parameters", default=())


def lineage(page):
    """The pks of the page and its ancestors below the tree's root, root first
    (remembered until the tree changes shape)."""
    paths = [
        page.path[:end]
        for end in range(2 * Page.steplen, len(page.path) + 1, Page.steplen)
    ]
    return tags.remember(
        "lineage",
        [page.path],
        lambda: list(
            Page.objects.filter(path__in=paths)
            .order_by("path")
            .values_list("pk", flat=True)
        ),
        ["tree"],
    )


class CachedPageMixin:
    """Page types whose cached parts are keyed by what they show."""

    # Tags a type's pages show beyond their lineage (e.g. "tree": every subject).
    extra_cache_tags = ()
    # Tags a change of a type's page forgets beyond the default.
    extra_changed_cache_tags = ()
    # Query parameters besides the page number that change what a type's pages
    # show (e.g. a listing's filters): their cached answers are keyed by them
    # (`cacheable_query`). The page answers anything but 200 to values it does not
    # know, so that no answer is stored under a made-up value.
    cache_query_parameters = ()

    def serve(self, request, *args, **kwargs):
        _page_parameters.set(tuple(self.cache_query_parameters))
        return super().serve(request, *args, **kwargs)

    @cached_property
    def cache_tags(self):
        """`get_cache_tags()`, worked out once per page object (a page moved is
        another object: its entries are keyed by its own tag)."""
        return tuple(self.get_cache_tags())

    def get_cache_tags(self):
        """The tags of everything this page shows (see the module's doc)."""
        return [
            *(f"page:{pk}" for pk in lineage(self)),
            f"below:{self.pk}",
            *SITE_WIDE_TAGS,
            *self.extra_cache_tags,
        ]

    def get_changed_cache_tags(self, structural):
        """The tags a change of this page forgets; `structural` when the tree's
        shape (what is live, where) changed too."""
        return default_changed_tags(self, structural) + list(
            self.extra_changed_cache_tags
        )


def default_changed_tags(page, structural):
    ancestors = [pk for pk in lineage(page) if pk != page.pk]
    changed = [f"page:{page.pk}", "pages", *(f"below:{pk}" for pk in ancestors)]
    if structural:
        changed.append("tree")
    if Site.objects.filter(root_page_id=page.pk).exists():
        changed.append("sites")  # the site's entry holds its root page
    return changed


def changed_tags(page, structural):
    specific = page.specific_deferred
    if isinstance(specific, CachedPageMixin):
        return specific.get_changed_cache_tags(structural)
    return default_changed_tags(page, structural)


def use_page_tags(page_tags):
    """This request serves a page showing `page_tags`: read their tokens now, before
    the page's data (and keep them for the request's cached parts)."""
    tags.stored_tokens(page_tags)
    _page_tags.set(list(page_tags))


def current_page_tags():
    """The tags of the page this request serves (None outside a page)."""
    return _page_tags.get()


def forget_page_tags():
    """At a request's start: no page yet (a thread serving requests one after
    another, as under WSGI, keeps its context between them)."""
    _page_tags.set(None)
    _page_parameters.set(())


_UNSET = object()


def request_host(request):
    """`request.get_host()`, or None for a host ALLOWED_HOSTS refuses (answered 400
    further in). Every key of a request names its host: validated once a request."""
    host = getattr(request, "sitecache_host", _UNSET)
    if host is _UNSET:
        try:
            host = request.get_host()
        except DisallowedHost:
            host = None
        request.sitecache_host = host
    return host


def site_key(request):
    """The key of the site a request's host names (tokens read at its start)."""
    return tags.key(
        "site", [request_host(request), request.get_port()], ["sites", "tree"]
    )


def load_page(pk):
    page = Page.objects.filter(pk=pk).first()
    if page is None:
        raise Http404("No such page.")
    return page.specific


class CachedRoutingMixin:
    """For a site's root page: every address under it routed from the cache.

    Wagtail walks the tree one level at a time (two queries a level). The page found
    at an address, and the tags it shows, are remembered until the tree changes
    shape; the page itself is loaded (and remembered) under those tags, so it is
    read after their tokens, and a publish of it shows on the next request.
    """

    def route(self, request, path_components):
        site = None
        if not getattr(request, "site_from_cache", False):
            site = Site.find_for_request(request)
        if site is not None and site.root_page_id == self.pk:
            # The site with this page, as its own type, to route the next requests
            # from (sitecache.middleware.CachedSiteMiddleware).
            site.root_page = self
            tags.shared_set(site_key(request), site)
        if not path_components:
            use_page_tags(self.cache_tags)
            return super().route(request, path_components)
        route_key = tags.key("route", [self.pk, "/".join(path_components)], ["tree"])
        entry = tags.shared_get(route_key)
        if entry is None:
            result = super().route(request, path_components)  # Http404 when none
            page, args, kwargs = result
            if args or kwargs or not isinstance(page, CachedPageMixin):
                return result  # a sub-route of a routable page: Wagtail's own
            entry = (page.pk, page.cache_tags)
            tags.shared_set(route_key, entry)
        pk, shown = entry
        use_page_tags(shown)
        page = tags.remember("page", [pk], lambda: load_page(pk), shown)
        return page.route(request, [])  # Http404 unless live


class CachedRestrictionsMixin:
    """View restrictions looked up in the cache while there are none to find.

    Wagtail checks a page's and its ancestors' restrictions on every request (two
    queries). The paths of restricted pages are few and change only through the
    privacy dialog (the `privacy` tag), so a page under none of them has none.
    Aliases keep Wagtail's own lookup.
    """

    def get_view_restrictions(self):
        if not self.alias_of_id:
            restricted = tags.remember(
                "restricted-paths", [], restricted_paths, ["privacy", "tree"]
            )
            if not any(self.path.startswith(path) for path in restricted):
                return PageViewRestriction.objects.none()  # asks the database nothing
        return super().get_view_restrictions()


def restricted_paths():
    """Tree paths of restricted pages; [""] (every page) while any alias exists."""
    if Page.objects.filter(alias_of__isnull=False).exists():
        return [""]  # every path starts with "": always ask Wagtail
    return sorted(set(PageViewRestriction.objects.values_list("page__path", flat=True)))


# --- Which addresses share a cached page --------------------------------------------

# The query parameter of every listing's page number. Besides it, a cached page is
# keyed only by the parameters page types declare (`cache_query_parameters`); any
# other (utm_*, cache busters) is ignored, so a visitor cannot make the cache hold
# more than one entry per page, page number and valid value of those parameters.
PAGE_PARAMETER = "page"
MAX_CACHED_PAGE_NUMBER = 9999
# A longer value of a declared parameter is no value any page knows: not cached.
MAX_KEYED_VALUE_LENGTH = 100


@functools.cache
def keyed_parameters():
    """The query parameters some page type declares (`cache_query_parameters`),
    besides the page number, sorted (the page types are fixed once apps load)."""
    names = {
        name
        for model in get_page_models()
        if issubclass(model, CachedPageMixin)
        for name in model.cache_query_parameters
    }
    return tuple(sorted(names - {PAGE_PARAMETER}))


def cacheable_query(request):
    """The part of the query string a cached page is keyed by, or None when this
    request's page must not be cached (a page number no listing shows, a declared
    parameter's value too long or unprintable to be one a page knows)."""
    number = page_number(request)
    if number is None:
        return None
    pairs = []
    for name in keyed_parameters():
        value = request.GET.get(name, "")  # the last one, as pages read it
        if not value:
            continue
        if len(value) > MAX_KEYED_VALUE_LENGTH or not value.isprintable():
            return None
        pairs.append((name, value))
    if number > 1:
        pairs.append((PAGE_PARAMETER, number))
    return urlencode(sorted(pairs))


def page_number(request):
    """The page number a listing shows for `?page=` (1 for none or junk, which the
    paginator shows as the first page), or None for one no listing shows."""
    values = request.GET.getlist(PAGE_PARAMETER)
    if not values:
        return 1
    value = values[-1]  # what QueryDict.get, and so the paginator, reads
    try:
        number = int(value)
    except ValueError:
        return 1
    if number == 1:
        return 1
    if 1 < number <= MAX_CACHED_PAGE_NUMBER and value == str(number):
        return number
    return None


def query_is_read(request, page=None):
    """Whether `page` (by default the page this request serves) reads every declared
    parameter the request carries. An answer is stored only then: another page
    type's parameter means nothing to it, and would key copies of it at will."""
    read = _page_parameters.get() if page is None else page.cache_query_parameters
    return all(name in read for name in keyed_parameters() if request.GET.get(name, ""))


# --- Receivers ------------------------------------------------------------------


def before_page_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not isinstance(instance, Page):
        return
    if update_fields is not None and set(update_fields) <= DRAFT_FIELDS:
        instance._sitecache_draft_only = True
        return
    instance._sitecache_draft_only = False
    instance._sitecache_before = (
        Page.objects.filter(pk=instance.pk).values_list("live", "url_path").first()
        if instance.pk
        else None
    )


def page_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or not isinstance(instance, Page):
        return
    if getattr(instance, "_sitecache_draft_only", False):
        return  # nothing a visitor sees
    before = getattr(instance, "_sitecache_before", None)
    structural = created or before != (instance.live, instance.url_path)
    tags.changed(*changed_tags(instance, structural))


def page_deleted(sender, instance, **kwargs):
    # Before the delete: the page's ancestors are still there to be named.
    if isinstance(instance, Page):
        tags.changed(*changed_tags(instance, structural=True))


def page_moved(sender, instance, parent_page_before, **kwargs):
    tags.changed(
        *changed_tags(instance, structural=True),
        *(f"below:{pk}" for pk in lineage(parent_page_before)),
    )


def connect():
    pre_save.connect(before_page_saved, dispatch_uid="sitecache.pages.pre_save")
    post_save.connect(page_saved, dispatch_uid="sitecache.pages.saved")
    pre_delete.connect(page_deleted, dispatch_uid="sitecache.pages.deleted")
    post_page_move.connect(page_moved, dispatch_uid="sitecache.pages.moved")
