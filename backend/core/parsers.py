"""Request parsers. The project's JSON parser is the default for every API view.

DRF's ``JSONParser`` turns ``ValueError`` into a 400 but lets ``RecursionError`` through, so a
body of ``[[[[...`` a few kilobytes long (``json`` recurses once per nesting level) was a 500
on any endpoint, signed in or not. Here both are a ``ParseError``: the usual 400
``malformed_request`` envelope. (DRF's ``get_encoding`` already refuses unknown charsets.)
Objects with a repeated key are refused the same way.
"""

from __future__ import annotations

import codecs

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``{"a": 1, "a": 2}`` is refused: parsers disagree on which value wins (first, last,
    both), so a proxy, a log and this server could each read a different request."""
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(_("duplicate key %(key)r") % {"key": key[:50]})
        out[key] = value
    return out


class JSONParser(parsers.JSONParser):
    """``rest_framework.parsers.JSONParser`` that also survives too deeply nested documents and
    refuses duplicate keys."""

    def parse(self, stream, media_type=None, parser_context=None):
        parse_constant = json.strict_constant if self.strict else None
        try:
            reader = codecs.getreader(parsers.get_encoding(parser_context or {}))
            return json.load(
                reader(stream), parse_constant=parse_constant, object_pairs_hook=_no_duplicate_keys
            )
        except RecursionError:
            raise ParseError(_("JSON parse error - the document is nested too deeply.")) from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise ParseError(_("JSON parse error - %(reason)s") % {"reason": exc}) from None
