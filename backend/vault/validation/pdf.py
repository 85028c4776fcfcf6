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
  forms, ``/SubmitForm``, ``/GoToR`` (remote files, UNC paths), ``/Rendition``/``/Movie``/
  ``/Sound`` actions and URI actions with a ``javascript:``, ``vbscript:``, ``data:`` or
  ``file:`` target. ``/OpenAction`` that only opens a page or a web URL is fine. The walk
  visits dictionaries and arrays only, skips subtrees no viewer runs actions from
  (``INERT_KEYS``: resources, appearance streams, structure tree...) and resolves at most
  ``MAX_OBJECTS`` indirect objects (``pdf_too_complex`` beyond: a bound on CPU per upload).
  Stream data (page contents, images, fonts) is never decompressed, so a deflate bomb in a
  stream costs nothing here. Object streams are inflated by pypdf within its
  own output limits (``LimitReachedError`` → ``decompression_bomb``).

PDFs are stored unchanged: their metadata (title, author, producer) is not location data and
rewriting a PDF risks breaking signatures and forms.
"""

from __future__ import annotations

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from backend.vault.validation.errors import (
    PDF_ACTIVE_CONTENT,
    PDF_ENCRYPTED,
    PDF_TOO_COMPLEX,
    rejected,
)
from backend.vault.validation.streams import (
    GuardedReader,
    Malformed,
    Truncated,
    buffered,
    read_at,
)

TAIL = 1024
_WHITESPACE = b" \t\r\n\x00\x0c"
# Indirect objects the active-content walk may resolve (pypdf needs ~0.15-0.3 ms each): a
# 300-page scanned contract has ~1.5k; beyond this the PDF is refused as too complex instead
# of letting one upload burn a CPU for minutes.
MAX_OBJECTS = 10_000
# Direct dictionaries/arrays are cheap, but bounded too.
MAX_NODES = 1_000_000
# Subtrees no viewer runs actions from: graphics resources, appearance and content streams,
# back-references, metadata, the structure tree and thumbnails. Not walking them keeps the
# walk to the objects that matter (catalog, names, pages, annotations, outlines, forms).
INERT_KEYS = frozenset(
    {
        "/Parent",
        "/P",
        "/Resources",
        "/AP",
        "/Contents",
        "/Font",
        "/XObject",
        "/ColorSpace",
        "/Pattern",
        "/Shading",
        "/ExtGState",
        "/Metadata",
        "/StructTreeRoot",
        "/StructParent",
        "/Thumb",
        "/PieceInfo",
        "/Info",
        "/ID",
    }
)

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
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/GoToE",
        "/RichMediaExecute",
        # Send form data to a server / open another (possibly remote, \\host\share: leaks the
        # reader's Windows credentials) file / play media: none belongs in a pay slip.
        "/SubmitForm",
        "/GoToR",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
#: URI actions may open web pages, not run script or read local files.
ACTIVE_URI_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
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
    reader = PdfReader(buffered(src), strict=False)
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
    """Whether any dictionary reachable from the trailer (outside ``INERT_KEYS`` subtrees)
    carries active content. Stream data is never decoded."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    nodes = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_OBJECTS:
                raise rejected(PDF_TOO_COMPLEX)
            node = node.get_object()
        nodes += 1
        if nodes > MAX_NODES:
            raise rejected(PDF_TOO_COMPLEX)
        if isinstance(node, DictionaryObject):
            if _is_active(node):
                return True
            stack.extend(value for key, value in node.items() if key not in INERT_KEYS)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def _is_active(node: DictionaryObject) -> bool:
    if not ACTIVE_KEYS.isdisjoint(node.keys()):
        return True
    if node.get("/S") == "/URI":
        uri = str(node.get("/URI", "")).strip().lower()
        if uri.startswith(ACTIVE_URI_SCHEMES):
            return True
    return (
        node.get("/S") in ACTIVE_ACTIONS
        or node.get("/Subtype") in ACTIVE_SUBTYPES
        or node.get("/Type") in ACTIVE_TYPES
    )
