"""PDF: structural parse with pypdf and a scan for active content.

Rules:
* the file starts with ``%PDF-`` (sniffed) and has ``%%EOF`` in its last 1 KiB followed only by
  whitespace — what viewers require; a truncated file or one with another file appended fails;
* pypdf (``strict=False``, the tolerance real-world PDFs need) must read the cross-reference
  data and every page object; a PDF with no pages is malformed;
* PDFs encrypted with a user password are refused (``pdf_encrypted``): nothing in them can be
  checked. Owner-password-only PDFs (print/copy restrictions) open with the empty password and
  are checked like any other;
* active content anywhere in the object graph reachable from the trailer is refused
  (``pdf_active_content``): JavaScript (``/JS``, ``/JavaScript`` name trees, ``/S
  /JavaScript`` actions), additional actions (``/AA`` on the catalog, pages, annotations or
  form fields), ``/Launch`` and ``/ImportData`` actions, embedded files (``/EmbeddedFiles``,
  ``/EF``, ``/Type /EmbeddedFile``, FileAttachment annotations, ``/GoToE``), RichMedia and XFA
  forms. ``/OpenAction`` that only opens a page or a URL is fine. The walk visits dictionaries
  and arrays only; stream data (page contents, images, fonts) is never decompressed, so a
  deflate bomb in a stream costs nothing here. Object streams are inflated by pypdf within its
  own output limits (``LimitReachedError`` → ``decompression_bomb``).

PDFs are stored unchanged: their metadata (title, author, producer) is not location data and
rewriting a PDF risks breaking signatures and forms.
"""

from __future__ import annotations

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from backend.vault.validation.errors import PDF_ACTIVE_CONTENT, PDF_ENCRYPTED, rejected
from backend.vault.validation.streams import GuardedReader, Malformed, Truncated, read_at

TAIL = 1024
_WHITESPACE = b" \t\r\n\x00\x0c"
# A 2,000-page scan has ~10k objects; this bounds the walk on hostile object graphs.
MAX_OBJECTS = 500_000

ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/EmbeddedFiles",
        "/EF",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/XFA",
    }
)
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/GoToE", "/RichMediaExecute"})
ACTIVE_SUBTYPES = frozenset({"/RichMedia", "/FileAttachment"})
ACTIVE_TYPES = frozenset({"/EmbeddedFile"})


def check_tail(src: GuardedReader, size: int) -> None:
    tail = read_at(src, max(0, size - TAIL), TAIL)
    end = tail.rfind(b"%%EOF")
    if end < 0:
        raise Truncated
    if tail[end + 5 :].strip(_WHITESPACE):
        raise Malformed


def inspect(src: GuardedReader, size: int) -> None:
    check_tail(src, size)
    src.seek(0)
    reader = PdfReader(src, strict=False)
    if reader.is_encrypted:
        try:
            opened = int(reader.decrypt(""))
        except Exception:
            opened = 0
        if not opened:
            raise rejected(PDF_ENCRYPTED)
    pages = reader.pages
    if len(pages) == 0:
        raise Malformed
    for page in pages:
        page.get("/Contents")
        page.get("/Annots")
        _ = page.mediabox
    if has_active_content(reader):
        raise rejected(PDF_ACTIVE_CONTENT)


def has_active_content(reader: PdfReader) -> bool:
    """Whether any dictionary reachable from the trailer carries active content."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise Malformed
        if isinstance(node, DictionaryObject):
            if _is_active(node):
                return True
            stack.extend(value for key, value in node.items() if key != "/Parent")
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def _is_active(node: DictionaryObject) -> bool:
    if not ACTIVE_KEYS.isdisjoint(node.keys()):
        return True
    return (
        node.get("/S") in ACTIVE_ACTIONS
        or node.get("/Subtype") in ACTIVE_SUBTYPES
        or node.get("/Type") in ACTIVE_TYPES
    )
