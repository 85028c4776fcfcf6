"""Small valid files built in code for vault tests (no binary fixtures in the repo)."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter


def make_pdf(text: str = "Employment contract", pages: int = 1, padding: int = 0) -> bytes:
    """A valid PDF whose metadata carries ``text`` in clear (handy as a plaintext canary)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text, "/Subject": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_jpeg_with_gps(size=(64, 48), latitude=(13, 45, 7), comment=b"") -> bytes:
    """A JPEG whose EXIF holds GPS coordinates (Bangkok by default)."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "CheapPhone 2"  # Model
    gps = {1: "N", 2: tuple(float(x) for x in latitude), 3: "E", 4: (100.0, 30.0, 5.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=comment)
    return out.getvalue()


def make_png(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()
