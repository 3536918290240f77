"""What classroom puts into learning's pages for each user.

Learning's pages name slots and decorations, not classroom's templates: the course
page's and the module page's per-user parts (enrollment, progress, the done button),
the home page's (a student's courses, where to continue them)
and, in the shared module lists, a tick on each module the user has done. Registered
by `ClassroomConfig.ready()`.
"""

from django.utils.safestring import mark_safe

from classroom.progress import done_module_ids
from sitecache import decorations, shells

# The glyph is hidden from screen readers, which read the words instead.
DONE_TICK = mark_safe(  # noqa: S308 - a constant of ours
    '<span class="module-done-tick"><span aria-hidden="true">✓</span>'
    '<span class="visually-hidden"> (done)</span></span>'
)


def done_ticks(request, ids):
    """{module pk: tick} for the modules in `ids` the user has marked done (a cached
    set: no query when warm)."""
    done = done_module_ids(request.user)
    return {each: DONE_TICK for each in ids if each.isdigit() and int(each) in done}


def register():
    shells.register_part("course-actions", "classroom/includes/course_actions.html")
    shells.register_part("module-actions", "classroom/includes/module_actions.html")
    shells.register_part("home-studies", "classroom/includes/home_studies.html")
    decorations.register("module-done", done_ticks)
