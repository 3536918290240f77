"""URL converters the site's apps share (registered by LearningConfig.ready())."""


class IdConverter:
    """A database id in a path (`<id:pk>`): at most 18 digits, so a longer one is
    a 404 rather than an OverflowError from the database driver (a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


class BlockIdConverter:
    """A StreamField block's id in a path (`<block:block_id>`): Wagtail's are
    UUIDs; anything else is a 404 before any query."""

    regex = "[A-Za-z0-9_-]{1,40}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
