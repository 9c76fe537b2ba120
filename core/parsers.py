"""The API's JSON parser: a body it cannot read is a 400 that says why, never a 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's parser, which turns only ValueError into a 400: a body nested thousands of levels deep
    ("[[[[…") exhausts Python's recursion limit and was a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                "JSON parse error - the body is nested too deeply; no API body needs more than a few levels."
            ) from None
        except (UnicodeError, LookupError, TypeError) as exc:
            # A charset Python knows but that is not a text encoding, or bytes that are not in it.
            raise ParseError(
                f"JSON parse error - the body cannot be read in the charset it declares ({exc}); send UTF-8."
            ) from None
