"""`{% sharedcache "name" part ... %}…{% endsharedcache %}`: a fragment of a page that
is the same for everyone who sees it, rendered once until what it shows changes.

`{% peruser "template.html" %}`: a part of a page that is the user's own; rendered
in place like an include, or left as a marker in a page's shared shell
(sitecache.shells) and rendered for each request. `{% peruser_slot "name" %}`: the
per-user parts other apps registered for a slot (`sitecache.shells.register_part`),
each as a `{% peruser %}` part: a page names the slot, not the app that fills it.

`{% decoration "name" id %}`: a per-user bit inside shared HTML (a done module's
tick in a cached module list), a marker filled for each request
(sitecache.decorations); it may sit inside a fragment.

The key is the name, the parts, the request's site (page URLs depend on it) and the
tokens of the tags the context's `page` shows (sitecache.pages): a fragment is
never stale, and each process keeps its own copies of those it used. Never cached
in a preview, nor outside a page. Nothing per-user may go inside: the enroll
button, progress and the account menu stay out.
"""

from django import template
from django.utils.safestring import mark_safe
from wagtail.models import Site

from sitecache import decorations, tags
from sitecache.shells import RECORDING, slot_parts

register = template.Library()


class SharedCacheNode(template.Node):
    def __init__(self, nodelist, name, parts):
        self.nodelist = nodelist
        self.name = name
        self.parts = parts

    def render(self, context):
        request = context.get("request")
        page = context.get("page")
        if (
            request is None
            or getattr(request, "is_preview", False)
            or not hasattr(page, "cache_tags")
        ):
            return self.nodelist.render(context)
        site = Site.find_for_request(request)
        key = tags.key(
            f"fragment:{self.name.resolve(context)}",
            [
                getattr(site, "pk", None),
                *(part.resolve(context) for part in self.parts),
            ],
            page.cache_tags,
        )
        html = tags.shared_get(key)
        if html is None:
            html = str(self.nodelist.render(context))
            tags.shared_set(key, html)
        return mark_safe(html)  # noqa: S308 - our own template's output


@register.tag
def sharedcache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a fragment name")
    nodelist = parser.parse(("endsharedcache",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(PerUserNode):
        raise template.TemplateSyntaxError(
            "A {% peruser %} part cannot be inside a {% sharedcache %} fragment: "
            "the fragment is shared by everyone who sees the page."
        )
    return SharedCacheNode(
        nodelist,
        parser.compile_filter(bits[1]),
        [parser.compile_filter(bit) for bit in bits[2:]],
    )


class PerUserNode(template.Node):
    def __init__(self, template_name):
        self.template_name = template_name

    def render(self, context):
        name = self.template_name.resolve(context)
        recording = context.get(RECORDING)
        if recording is not None:
            return mark_safe(recording.marker(name))  # noqa: S308 - our own marker
        part = context.template.engine.get_template(name)
        with context.push():
            return part.render(context)


@register.tag
def peruser(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one template name")
    return PerUserNode(parser.compile_filter(bits[1]))


class PerUserSlotNode(PerUserNode):
    """The parts registered for a slot, each rendered as a `{% peruser %}` part
    (a subclass: `{% sharedcache %}` refuses it too)."""

    def __init__(self, slot):
        self.slot = slot

    def render(self, context):
        recording = context.get(RECORDING)
        names = slot_parts(self.slot.resolve(context))
        if recording is not None:
            markers = "".join(recording.marker(name) for name in names)
            return mark_safe(markers)  # noqa: S308 - our own markers
        engine = context.template.engine
        rendered = []
        for name in names:
            with context.push():
                rendered.append(engine.get_template(name).render(context))
        return mark_safe("".join(rendered))  # noqa: S308 - templates' own output


@register.tag
def peruser_slot(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one slot name")
    return PerUserSlotNode(parser.compile_filter(bits[1]))


@register.simple_tag(takes_context=True)
def decoration(context, name, item_id):
    """`{% decoration "module-done" module.pk %}`: the marker the request fills
    (sitecache.decorations); nothing outside a request, where nothing would."""
    if context.get("request") is None:
        return ""
    return mark_safe(decorations.marker(name, item_id))  # noqa: S308 - our own marker
