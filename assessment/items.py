"""The graded items of a course: the quiz and assignment blocks of its modules."""

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404

from learning.models import ModulePage

KINDS = ("quiz", "assignment")


@dataclass(frozen=True)
class Item:
    module: ModulePage
    block_id: str
    kind: str  # "quiz" or "assignment"
    value: object  # the block's StructValue

    @property
    def title(self):
        return self.value["title"]

    @property
    def key(self):
        """How the item is named in forms, CSV headers and lookups."""
        return f"{self.module.pk}:{self.block_id}"

    @property
    def points(self):
        """The item's weight in the course total: an assignment's points, a quiz's
        questions' points (those drawn, when it draws some: each attempt may draw
        other questions, so a quiz that draws counts as its share)."""
        if self.kind == "assignment":
            return Decimal(self.value["points"])
        questions = list(self.value["questions"])
        total = sum((Decimal(q.value["points"]) for q in questions), Decimal(0))
        draw = self.value.get("draw")
        if draw and questions:
            return (total * draw / len(questions)).quantize(Decimal("0.01"))
        return total


def items_of_module(module):
    # Only the quiz and assignment blocks are turned into values: the others'
    # choosers (images, files, videos) would each cost a query.
    body = module.body
    return [
        Item(module, body[i].id, raw["type"], body[i].value)
        for i, raw in enumerate(body.raw_data)
        if raw["type"] in KINDS
    ]


def course_items(course):
    """The graded items of `course`'s published modules, in the course's order."""
    items = []
    for module in course.modules():
        items.extend(items_of_module(module))
    return items


def find_item(module_id, block_id, kind):
    """The item as students see it (the module's published version), or 404."""
    module = (
        ModulePage.objects.live_for_students().filter(pk=module_id).first()
        if module_id
        else None
    )
    if module is None:
        raise Http404("No such module.")
    for item in items_of_module(module):
        if item.block_id == block_id and item.kind == kind:
            return item
    raise Http404(f"No such {kind}.")
