"""Automatic masking of personal data in review comments, before any human reads them.

What is masked:
- phone numbers: every valid number ``phonenumbers.PhoneNumberMatcher`` finds for the regions
  given (the review's corridor countries and the author's country) and international ``+``
  numbers; as a fallback any digit sequence starting with ``+`` or ``0`` with 8+ digits (usual
  separators allowed) and any bare run of 10+ digits — fee amounts ("1500000 kyat") survive;
- e-mail addresses;
- names: one or two capitalised words after a title or an introduction ("Mr", "Mrs", "Ms",
  "Miss", "Madam", "Sir", "Dr", "name is", "called", "named"), and every word of the names
  passed in ``known_names`` (the author's display name), case-insensitively.

Limits: names without such a cue, names in scripts without
letter case (Thai, Burmese, Nepali), nicknames, addresses, employer-internal ids and
descriptions that identify someone ("the only Karen woman on the night shift") are NOT caught.
That is why every comment still goes through a human moderator before publication.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

PHONE_MASK = "[phone]"
EMAIL_MASK = "[email]"
NAME_MASK = "[name]"

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Fallbacks for numbers the library judges invalid: anything starting with "+" or a trunk "0"
# with 8+ digits, and any bare run of 10+ digits. Plain amounts ("1500000 kyat") stay.
DIGITS_RE = re.compile(r"(?<![\w+])(?:[+0]\d?(?:[\s().-]{0,2}\d){7,}|\d{10,})(?![\w])")
_CAP = r"[A-Z][\w'\u2019-]+"
NAME_CUE_RE = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Miss|Madam|Sir|Dr)\.?|(?i:name\s+is|called|named))\s+"
    rf"({_CAP}(?:\s+{_CAP})?)"
)


def _mask_phones(text: str, regions: Iterable[str]) -> str:
    spans: list[tuple[int, int]] = []
    for region in {*(r.upper() for r in regions if r), None}:
        try:
            matcher = phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            )
        except Exception:  # noqa: S112 - an unknown region code must not break masking
            continue
        spans.extend((m.start, m.end) for m in matcher)
    spans.extend(m.span() for m in DIGITS_RE.finditer(text))
    if not spans:
        return text
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(PHONE_MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def _mask_known_names(text: str, known_names: Iterable[str]) -> str:
    words = {
        word
        for name in known_names
        if name
        for word in re.split(r"\s+", name.strip())
        if len(word) >= 3
    }
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", NAME_MASK, text, flags=re.IGNORECASE)
    return text


def mask_personal_data(
    text: str, *, regions: Iterable[str] = (), known_names: Iterable[str] = ()
) -> str:
    """``text`` with phone numbers, e-mail addresses and names replaced by placeholders."""
    if not text:
        return ""
    text = EMAIL_RE.sub(EMAIL_MASK, text)
    text = _mask_phones(text, regions)
    text = NAME_CUE_RE.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + NAME_MASK, text)
    return _mask_known_names(text, known_names)
