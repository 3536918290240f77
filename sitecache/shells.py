"""Pages for logged-in users from a shared shell, with only their own parts rendered.

A module page looks the same to every student who may open it except for a few
parts: the account menu and the links only some users get, their messages, the
editor's userbar, and their progress with the "done" button. Templates mark those
parts with `{% peruser "template.html" %}` (sitecache/templatetags/shared_cache.py).

The first request renders the whole page once with each such part replaced by a
marker, and stores that *shell* under the tags the page shows, the address and the
page (exact like every shared entry: sitecache.tags). Every request, the first
included, then renders only the per-user parts, each a small template of its own
with a fresh context for this user (fresh CSRF tokens too), into the shell's
markers. Nothing a user sees of their own is ever stored.

A page may name a *slot* instead of a template, `{% peruser_slot "module-actions" %}`:
the app that owns what goes there registers its templates for it
(`register_part("module-actions", "classroom/includes/module_actions.html")`, from its
AppConfig.ready()), and each is a per-user part like any other. So a page's app need
not know which apps fill its slots.

A per-user part's template sees the request's context (`request`, `user`, `perms`,
`messages`, `csrf_token`) and what the page's `get_shell_context` gives it (the
page, and for a module its course); nothing else of the page's context.
"""

import functools
import json
import secrets

from django.http import HttpResponse
from django.template import engines

from sitecache import tags
from sitecache.pages import cacheable_query, query_is_read, request_host

# The context variable that switches `{% peruser %}` to leaving markers; holds the
# markers' nonce and the list of parts' templates, in order.
RECORDING = "peruser_recording"


# slot -> the templates registered for it, in order (see register_part).
_slot_parts = {}


def register_part(slot, template_name):
    """Render `template_name` as a per-user part wherever a page has `slot`."""
    parts = _slot_parts.setdefault(slot, [])
    if template_name not in parts:
        parts.append(template_name)


def slot_parts(slot):
    """The templates registered for `slot` (none: the slot renders nothing)."""
    return tuple(_slot_parts.get(slot, ()))


class Recording:
    """The parts a shell leaves to be filled, and the nonce of their markers."""

    def __init__(self):
        # Unguessable: nothing a page shows (an instructor's HTML) can fake a marker.
        self.nonce = secrets.token_hex(16)
        self.templates = []

    def marker(self, template_name):
        self.templates.append(template_name)
        return self.marker_for(self.nonce, len(self.templates) - 1)

    @staticmethod
    def marker_for(nonce, index):
        return f"<!--peruser:{nonce}:{index}-->"


def shell_key(request, page):
    """The shell's key, or None for an address whose page is not kept as a shell."""
    query = cacheable_query(request)
    if query is None or not query_is_read(request, page):
        return None
    return tags.key(
        "page-shell",
        [
            request.scheme,
            request_host(request),
            request.path,
            query,
            page.pk,
            *page.get_shell_variant(request),
        ],
        page.cache_tags,
    )


def servable_from_shell(request):
    """GET (or HEAD) of a logged-in user's page, not a preview nor an XHR."""
    user = getattr(request, "user", None)
    return (
        request.method in ("GET", "HEAD")
        and user is not None
        and user.is_authenticated
        and not getattr(request, "is_preview", False)
        and request.headers.get("x-requested-with") != "XMLHttpRequest"
    )


def render_shell(response):
    """Render a page's (unrendered) TemplateResponse as a shell: its html with a
    marker for each per-user part, the markers' nonce and the parts' templates."""
    recording = Recording()
    response.context_data[RECORDING] = recording
    html = response.rendered_content
    return {"html": html, "nonce": recording.nonce, "parts": recording.templates}


def fill(shell, request, context):
    """The shell's html with each per-user part rendered for this request.

    The parts are rendered as one template of includes (`parts_template`), so they
    share one request context (its processors run once), each in a layer of its
    own as an include is.
    """
    names = tuple(shell["parts"])
    if not names:
        return shell["html"]
    rendered = parts_template(names).render(context, request).split(PART_SEPARATOR)
    if len(rendered) != len(names):
        raise ValueError("A per-user part wrote the parts' separator.")
    pieces = []
    rest = shell["html"]
    for index, part in enumerate(rendered):
        before, _marker, rest = rest.partition(
            Recording.marker_for(shell["nonce"], index)
        )
        pieces.append(before)
        pieces.append(part)
    pieces.append(rest)
    return "".join(pieces)


# Between the parts of one rendering; unguessable, like the markers.
PART_SEPARATOR = f"<!--part:{secrets.token_hex(16)}-->"


@functools.lru_cache(maxsize=256)
def parts_template(names):
    """One template that includes each of `names` in turn, between separators."""
    source = PART_SEPARATOR.join(
        "{% include " + json.dumps(name) + " %}" for name in names
    )
    return engines["django"].from_string(source)


class ShellCachedPageMixin:
    """Serve logged-in users the page from its shared shell (see the module doc).

    The page's templates must put everything that differs between the users who
    may see the page inside `{% peruser %}` parts.
    """

    def get_shell_context(self, request):
        """What the per-user parts see besides the request's own context."""
        return {"page": self, "self": self}

    def get_shell_variant(self, request):
        """What, besides the address, the shared parts of the page depend on for
        this user (one shell per answer), e.g. whether they may open the modules."""
        return ()

    def serve(self, request, *args, **kwargs):
        if not servable_from_shell(request):
            return super().serve(request, *args, **kwargs)
        key = shell_key(request, self)
        if key is None:
            return super().serve(request, *args, **kwargs)
        shell = tags.shared_get(key)
        if shell is None:
            response = super().serve(request, *args, **kwargs)
            if getattr(response, "context_data", None) is None:
                return response  # not a page rendered from its template
            shell = render_shell(response)
            tags.shared_set(key, shell)
        return HttpResponse(fill(shell, request, self.get_shell_context(request)))
