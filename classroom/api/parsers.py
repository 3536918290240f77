"""Request body parsers: DRF's, with every malformed body answered 400."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, also refusing bodies nested too deeply to parse.

    Python's json module raises RecursionError (not ValueError, which DRF turns into
    a 400) on a body like 100,000 `[`: without this it would be a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
