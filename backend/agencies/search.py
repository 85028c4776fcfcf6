"""Text normalisation shared by the stored ``Agency.search_text`` and by search queries.

Lower-case, accents removed (NFKD, combining marks dropped), punctuation turned into spaces and
whitespace collapsed, so "Sản Xuất-Việt", "san xuat viet" and "SAN  XUAT VIET" all match. The
same function feeds the column (written by the services) and the query, so the same matching
works on SQLite (``LIKE`` per word) and on PostgreSQL (trigram GIN index on the column).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D").replace("ø", "o").replace("ł", "l")
    return _NON_WORD.sub(" ", stripped.casefold()).replace("_", " ").strip()


def search_text_for(name: str, aliases: Iterable[str]) -> str:
    parts = [normalise(name), *(normalise(alias) for alias in aliases)]
    return " | ".join(part for part in parts if part)


def query_words(query: str, *, limit: int = 8) -> list[str]:
    return [word for word in normalise(query).split() if word][:limit]
