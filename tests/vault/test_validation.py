"""validate_upload / sniff_type: what the vault accepts, and the exact code for what it refuses."""

from __future__ import annotations

import io

import pytest

from backend.vault.validation import (
    ALLOWED_TYPES,
    DetectedType,
    UploadRejected,
    sniff_type,
    validate_upload,
)
from tests.vault import corpus

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")


def validate(data: bytes, filename: str | None = None, content_type: str | None = None, **kw):
    return validate_upload(
        io.BytesIO(data), len(data), declared_content_type=content_type, filename=filename, **kw
    )


def rejection(data: bytes, filename=None, content_type=None, **kw) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        validate(data, filename, content_type, **kw)
    return caught.value


# --- The hostile corpus ----------------------------------------------------------------------


@pytest.mark.parametrize("case", corpus.HOSTILE, ids=[case.id for case in corpus.HOSTILE])
def test_hostile_file_is_rejected_with_exact_code(case):
    error = rejection(case.build(), case.filename, case.content_type)

    assert error.code == case.code
    assert error.status_code == case.status
    assert error.fields == {"file": [error.message]}
    assert error.message


def test_hostile_corpus_is_large_enough():
    assert len(corpus.HOSTILE) >= 25
    assert len({case.id for case in corpus.HOSTILE}) == len(corpus.HOSTILE)


# --- Size ------------------------------------------------------------------------------------


def test_file_over_the_setting_limit_is_413(settings):
    settings.VAULT_MAX_UPLOAD_BYTES = 1000
    data = corpus.pdf_from_writer() + b"\n" * 1000

    error = rejection(data, "a.pdf", "application/pdf")

    assert (error.code, error.status_code) == ("file_too_large", 413)


def test_explicit_max_size_wins_over_the_setting(settings):
    settings.VAULT_MAX_UPLOAD_BYTES = 10
    data = corpus.plain_jpeg()

    assert validate(data, "a.jpg", max_size=len(data)).content_type == "image/jpeg"
    assert rejection(data, "a.jpg", max_size=len(data) - 1).code == "file_too_large"


def test_too_large_is_decided_from_size_without_reading(settings):
    class Unreadable(io.RawIOBase):
        def read(self, n=-1):
            raise AssertionError("must not be read")

    with pytest.raises(UploadRejected) as caught:
        validate_upload(Unreadable(), 26 * 1024 * 1024, declared_content_type=None, filename=None)
    assert caught.value.code == "file_too_large"


def test_default_limits_are_in_settings(settings):
    assert settings.VAULT_MAX_UPLOAD_BYTES == 25 * 1024 * 1024
    assert settings.VAULT_MAX_IMAGE_PIXELS == 50_000_000


# --- Good files ------------------------------------------------------------------------------

GOOD = [
    ("pdf_writer", corpus.pdf_from_writer, "contract.pdf", "application/pdf", "application/pdf"),
    ("pdf_hand_written", corpus.simple_pdf, "contract.PDF", None, "application/pdf"),
    ("pdf_benign_actions", corpus.pdf_benign_actions, None, "application/pdf", "application/pdf"),
    ("pdf_owner_password_only", corpus.pdf_owner_password_only, "a.pdf", None, "application/pdf"),
    ("jpeg_camera", corpus.jpeg_with_gps, "IMG_0001.JPG", "image/jpeg", "image/jpeg"),
    (
        "jpeg_rotated",
        lambda: corpus.jpeg_with_gps(orientation=6),
        "a.jpeg",
        "image/jpg",
        "image/jpeg",
    ),
    (
        "jpeg_trailing_video",
        lambda: corpus.plain_jpeg() + b"\x00\x00\x00\x18ftypmp42" * 50,
        "motion.jpg",
        None,
        "image/jpeg",
    ),
    ("png", corpus.png_with_metadata, "scan.png", "image/png", "image/png"),
    ("webp_lossy", corpus.webp_with_metadata, "a.webp", "image/webp", "image/webp"),
    (
        "webp_lossless",
        lambda: corpus.webp_with_metadata(lossless=True),
        "a.webp",
        None,
        "image/webp",
    ),
    ("heic", corpus.heic_with_gps, "IMG_0002.HEIC", "image/heic", "image/heic"),
    ("heic_as_heif", corpus.heic_with_gps, "IMG_0002.heif", "image/heif", "image/heic"),
]


@pytest.mark.parametrize(
    ("build", "filename", "declared", "expected"),
    [case[1:] for case in GOOD],
    ids=[case[0] for case in GOOD],
)
def test_good_file_is_accepted_with_its_type(build, filename, declared, expected):
    detected = validate(build(), filename, declared)

    assert detected == DetectedType(
        expected, ALLOWED_TYPES[expected], expected != "application/pdf"
    )


def test_allowed_types_are_exactly_pdf_and_four_image_formats():
    assert ALLOWED_TYPES == {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/webp": "webp",
        "image/heic": "heic",
    }


# --- Declared type and name -----------------------------------------------------------------


@pytest.mark.parametrize(
    "declared",
    [None, "", "application/octet-stream", "binary/octet-stream", "IMAGE/JPEG; charset=binary"],
)
def test_missing_or_generic_declared_type_is_fine(declared):
    assert validate(corpus.plain_jpeg(), "photo.jpg", declared).content_type == "image/jpeg"


@pytest.mark.parametrize(
    "filename",
    [
        None,
        "",
        "photo",
        "Passport scan 12.05.2024",
        "J. Smith passport",
        "C:\\Users\\me\\photo.jpeg",
        "photo.JFIF",
    ],
)
def test_names_without_a_conflicting_extension_are_fine(filename):
    assert validate(corpus.plain_jpeg(), filename, None).content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("filename", "declared"),
    [
        ("photo.png", None),
        ("photo.jpg.html", None),
        ("photo.svg", None),
        ("photo.jpg", "image/png"),
        ("photo.jpg", "text/html"),
        (None, "image/heic"),
    ],
)
def test_conflicting_extension_or_declared_type_is_a_mismatch(filename, declared):
    error = rejection(corpus.plain_jpeg(), filename, declared)

    assert (error.code, error.status_code) == ("file_type_mismatch", 400)


# --- Decompression bombs ----------------------------------------------------------------------


def test_pixel_cap_comes_from_settings(settings):
    settings.VAULT_MAX_IMAGE_PIXELS = 64 * 48 - 1

    for data, name in [
        (corpus.plain_jpeg((64, 48)), "a.jpg"),
        (corpus.png_with_metadata((64, 48)), "a.png"),
        (corpus.webp_with_metadata((64, 48)), "a.webp"),
        (corpus.heic_with_gps((64, 48)), "a.heic"),
    ]:
        assert rejection(data, name).code == "decompression_bomb", name

    settings.VAULT_MAX_IMAGE_PIXELS = 64 * 48
    assert validate(corpus.plain_jpeg((64, 48)), "a.jpg").is_image


def test_bomb_is_refused_before_pixel_data_is_read():
    """The bomb check runs on the header: a bomb whose body is missing is still a bomb."""
    header_only = corpus.png_bomb()[:33]  # signature + IHDR

    assert rejection(header_only, "a.png").code == "decompression_bomb"


# --- PDF work bound ------------------------------------------------------------------------


def test_pdf_with_more_objects_than_the_scan_bound_is_too_complex(monkeypatch):
    from backend.vault.validation import pdf

    monkeypatch.setattr(pdf, "MAX_OBJECTS", 50)

    assert validate(corpus.pdf_with_links(40), "a.pdf").content_type == "application/pdf"
    error = rejection(corpus.pdf_with_links(60), "a.pdf")
    assert (error.code, error.status_code) == ("pdf_too_complex", 400)


def test_active_content_after_many_benign_objects_is_found():
    data = corpus.simple_pdf(
        page="/Annots [5 0 R]",
        extra=(
            "<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A 6 0 R >>",
            *[f"<< /S /URI /URI (https://x.org) /Next {n + 1} 0 R >>" for n in range(6, 500)],
            "<< /S /Launch /F (calc.exe) >>",
        ),
    )

    assert rejection(data, "a.pdf").code == "pdf_active_content"


# --- Sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (corpus.heic_ftyp(b"heic"), "image/heic"),
        (corpus.heic_ftyp(b"heix"), "image/heic"),
        (corpus.heic_ftyp(b"hevc"), "image/heic"),
        (corpus.heic_ftyp(b"heim"), "image/heic"),
        (corpus.heic_ftyp(b"heis"), "image/heic"),
        (corpus.heic_ftyp(b"mif1", (b"mif1", b"miaf")), "image/heic"),
        (corpus.heic_ftyp(b"msf1", (b"msf1",)), "image/heic"),
        (corpus.heic_ftyp(b"miaf", (b"miaf", b"heic")), "image/heic"),
        (corpus.heic_ftyp(b"avif", (b"avif", b"mif1")), None),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", None),
        (b" %PDF-1.7", None),
        (b"\xff\xd8", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a", None),
        (b"PK\x03\x04", None),
        (b"MZ\x90\x00", None),
        (b"<svg ", None),
        (b"", None),
    ],
)
def test_sniff_type_reads_magic_bytes(head, expected):
    assert sniff_type(head[:32]) == expected


def test_real_heic_sniffs_as_heic():
    assert sniff_type(corpus.heic_with_gps()[:32]) == "image/heic"


# --- The reader contract -----------------------------------------------------------------------


class ShortReads(io.RawIOBase):
    """A raw reader that returns at most 7 bytes per read, like a lazily decrypting stream."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return self._inner.seek(offset, whence)

    def tell(self):
        return self._inner.tell()

    def readinto(self, buffer):
        data = self._inner.read(min(len(buffer), 7))
        buffer[: len(data)] = data
        return len(data)


@pytest.mark.parametrize(
    "build",
    [
        corpus.pdf_from_writer,
        corpus.jpeg_with_gps,
        corpus.png_with_metadata,
        corpus.webp_with_metadata,
        corpus.heic_with_gps,
    ],
)
def test_short_reads_from_a_raw_reader_are_handled(build):
    data = build()
    detected = validate(data)

    assert (
        validate_upload(ShortReads(data), len(data), declared_content_type=None, filename=None)
        == detected
    )


def test_short_reads_still_catch_active_content():
    data = corpus.pdf_openaction_js()
    with pytest.raises(UploadRejected) as caught:
        validate_upload(ShortReads(data), len(data), declared_content_type=None, filename=None)
    assert caught.value.code == "pdf_active_content"


class DecryptionFailed(Exception):
    pass


class FailingReader(io.BytesIO):
    """Raises like a decrypting reader whose ciphertext was tampered with, past ``offset``."""

    def __init__(self, data: bytes, offset: int):
        super().__init__(data)
        self.offset = offset

    def read(self, n=-1):
        if self.tell() + (n if n >= 0 else 1) > self.offset:
            raise DecryptionFailed("segment 3 failed authentication")
        return super().read(n)


@pytest.mark.parametrize(
    "build",
    [
        corpus.pdf_from_writer,
        corpus.plain_jpeg,
        corpus.png_with_metadata,
        corpus.webp_with_metadata,
        corpus.heic_with_gps,
    ],
)
def test_reader_errors_propagate_instead_of_blaming_the_file(build):
    data = build()

    with pytest.raises(DecryptionFailed):
        validate_upload(
            FailingReader(data, len(data) // 2),
            len(data),
            declared_content_type=None,
            filename=None,
        )


def test_size_smaller_than_the_reader_is_a_rejection_not_a_crash():
    data = corpus.plain_jpeg()

    with pytest.raises(UploadRejected) as caught:
        validate_upload(
            io.BytesIO(data[:100]), len(data), declared_content_type=None, filename=None
        )
    assert caught.value.code == "malformed_file"


def test_error_renders_in_the_envelope():
    from backend.core.exception_handler import api_exception_handler

    error = rejection(corpus.windows_exe(), "a.exe")
    response = api_exception_handler(error, {})

    assert response.status_code == 415
    assert response.data == {
        "error": {
            "code": "unsupported_file_type",
            "message": error.message,
            "fields": {"file": [error.message]},
        }
    }
