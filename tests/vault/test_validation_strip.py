"""strip_metadata: GPS and every other metadata block is gone; the image is otherwise intact."""

from __future__ import annotations

import io
import random
import tracemalloc

import pillow_heif
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from backend.vault.validation import UploadRejected, strip_metadata, validate_upload
from backend.vault.validation import heic as heic_module
from tests.vault import corpus

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")

METADATA_MARKERS = [
    corpus.CANARY,
    b"MakerNote-secret",
    b"PhoneMaker",
    b"CheapPhone",
    b"http://ns.adobe.com",
    b"GPSLatitude",
    b"8BIM",
]


def stripped(data: bytes, filename: str | None = None) -> tuple[str, bytes]:
    detected = validate_upload(
        io.BytesIO(data), len(data), declared_content_type=None, filename=filename
    )
    content_type, chunks = strip_metadata(io.BytesIO(data), detected)
    return content_type, b"".join(chunks)


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every header segment up to SOS."""
    out, pos = [], 2
    while data[pos + 1] != 0xDA:
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        out.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
    return out


def png_chunk_types(data: bytes) -> list[bytes]:
    out, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        out.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return out


def riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 12
    while pos < len(data):
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        out.append((data[pos : pos + 4], data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + (length & 1)
    return out


# --- JPEG ----------------------------------------------------------------------------------


def test_jpeg_gps_and_all_metadata_are_gone_and_pixels_are_identical():
    original = corpus.jpeg_with_gps()
    exif_payload = next(p for m, p in jpeg_segments(original) if p.startswith(b"Exif\0\0"))
    assert decoded(original).getexif().get_ifd(corpus.GPS_IFD)

    content_type, clean = stripped(original, "photo.jpg")

    image = decoded(clean)
    assert content_type == "image/jpeg"
    assert image.size == (64, 48)
    assert not image.getexif()
    assert not image.getexif().get_ifd(corpus.GPS_IFD)
    assert "exif" not in image.info
    assert "comment" not in image.info
    assert "xmp" not in image.info
    assert exif_payload not in clean
    assert b"Exif\x00\x00" not in clean
    for marker in METADATA_MARKERS:
        assert marker not in clean, marker
    assert image.tobytes() == decoded(original).tobytes()  # lossless: scans copied as is
    assert image.info["icc_profile"] == corpus.srgb_icc()  # colour profile kept


def test_jpeg_keeps_only_jfif_icc_adobe_and_codec_segments():
    _, clean = stripped(corpus.jpeg_with_gps())

    markers = [marker for marker, _payload in jpeg_segments(clean)]
    app_segments = [(m, p[:12]) for m, p in jpeg_segments(clean) if 0xE0 <= m <= 0xEF]
    assert app_segments == [
        (0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01"),
        (0xE2, b"ICC_PROFILE\x00"),
    ]
    assert 0xFE not in markers  # comment
    assert clean.endswith(b"\xff\xd9")


def test_jpeg_orientation_survives_as_a_one_tag_exif():
    original = corpus.jpeg_with_gps(orientation=6)

    _, clean = stripped(original)

    exif = decoded(clean).getexif()
    assert dict(exif) == {corpus.ORIENTATION: 6}
    assert not exif.get_ifd(corpus.GPS_IFD)
    assert corpus.CANARY not in clean
    assert decoded(clean).tobytes() == decoded(original).tobytes()


def test_jpeg_jfif_thumbnail_is_removed():
    base = corpus.plain_jpeg()
    thumbnail = b"\xde\xad\xbe" * 6  # 3 x 2 RGB pixels
    jfif = b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x03\x02" + thumbnail
    app0_end = 4 + int.from_bytes(base[4:6], "big")
    original = base[:2] + corpus.jpeg_segment(0xE0, jfif) + base[app0_end:]

    _, clean = stripped(original)

    assert clean[2:20] == b"\xff\xe0\x00\x10JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00"
    assert thumbnail not in clean


def test_jpeg_bytes_after_eoi_are_not_kept():
    original = corpus.plain_jpeg() + b"\x00\x00\x00\x18ftypmp42" + corpus.CANARY

    _, clean = stripped(original)

    assert clean == corpus.plain_jpeg()


def test_jpeg_without_metadata_is_unchanged():
    original = corpus.plain_jpeg()

    assert stripped(original) == ("image/jpeg", original)


# --- PNG -------------------------------------------------------------------------------------


def test_png_text_exif_time_and_private_chunks_are_dropped():
    original = corpus.png_with_metadata()
    assert {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"prIv"} <= set(png_chunk_types(original))

    content_type, clean = stripped(original, "scan.png")

    image = decoded(clean)
    assert content_type == "image/png"
    assert png_chunk_types(clean) == [b"IHDR", b"IDAT", b"IEND"]
    assert not image.getexif()
    assert not image.text
    assert corpus.CANARY not in clean
    assert image.size == (32, 24)
    assert image.tobytes() == decoded(original).tobytes()


def test_png_colour_and_transparency_chunks_are_kept():
    image = Image.new("P", (8, 8))
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.info["transparency"] = 0
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0, icc_profile=corpus.srgb_icc(), dpi=(300, 300))
    original = out.getvalue()

    _, clean = stripped(original)

    assert png_chunk_types(clean) == png_chunk_types(original)
    assert clean == original


# --- WebP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_exif_and_xmp_chunks_are_dropped_and_header_fixed(lossless):
    original = corpus.webp_with_metadata(lossless=lossless)
    kinds = [kind for kind, _ in riff_chunks(original)]
    assert b"EXIF" in kinds and b"XMP " in kinds

    content_type, clean = stripped(original, "a.webp")

    chunks = riff_chunks(clean)
    vp8x = chunks[0][1]
    image = decoded(clean)
    assert content_type == "image/webp"
    assert [kind for kind, _ in chunks] == [k for k in kinds if k not in (b"EXIF", b"XMP ")]
    assert vp8x[0] & 0x0C == 0  # EXIF and XMP flags cleared
    assert vp8x[0] & 0x20  # ICC flag kept, with its chunk
    assert int.from_bytes(clean[4:8], "little") == len(clean) - 8
    assert not image.getexif()
    assert "xmp" not in image.info
    assert corpus.CANARY not in clean
    assert image.size == (40, 30)
    assert image.tobytes() == decoded(original).tobytes()


# --- HEIC ------------------------------------------------------------------------------------


def heif_metadata(data: bytes) -> tuple[tuple[int, int], bytes | None, bytes | None]:
    heif = pillow_heif.open_heif(io.BytesIO(data))
    return heif.size, heif.info.get("exif"), heif.info.get("xmp")


def test_heic_becomes_a_metadata_free_jpeg_by_default():
    original = corpus.heic_with_gps()
    size, exif, xmp = heif_metadata(original)
    assert exif and xmp and size == (64, 48)

    content_type, clean = stripped(original, "IMG_1.heic")

    image = decoded(clean)
    assert content_type == "image/jpeg"
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    assert not image.getexif()
    assert "xmp" not in image.info
    assert corpus.CANARY not in clean
    assert b"Exif" not in clean
    assert (
        validate_upload(
            io.BytesIO(clean), len(clean), declared_content_type=content_type, filename="IMG_1.jpg"
        ).content_type
        == "image/jpeg"
    )


def test_heic_is_reencoded_as_heic_without_metadata_when_configured(settings):
    settings.VAULT_HEIC_KEEP_FORMAT = True
    assert heic_module.can_encode_heic()  # libheif here ships x265

    content_type, clean = stripped(corpus.heic_with_gps(), "IMG_1.heic")

    assert content_type == "image/heic"
    assert heif_metadata(clean) == ((64, 48), None, None)
    assert corpus.CANARY not in clean
    assert b"Exif" not in clean
    assert (
        validate_upload(
            io.BytesIO(clean), len(clean), declared_content_type="image/heic", filename="IMG_1.heic"
        ).content_type
        == "image/heic"
    )


def test_heic_falls_back_to_jpeg_without_an_encoder(settings, monkeypatch):
    settings.VAULT_HEIC_KEEP_FORMAT = True
    monkeypatch.setattr(heic_module, "can_encode_heic", lambda: False)

    content_type, clean = stripped(corpus.heic_with_gps())

    assert content_type == "image/jpeg"
    assert decoded(clean).size == (64, 48)
    assert not decoded(clean).getexif()


# --- PDF and the contract -----------------------------------------------------------------------


def test_pdf_is_returned_unchanged():
    original = corpus.pdf_from_writer()

    assert stripped(original) == ("application/pdf", original)


@pytest.mark.parametrize(
    "build",
    [
        corpus.jpeg_with_gps,
        corpus.png_with_metadata,
        corpus.webp_with_metadata,
        corpus.heic_with_gps,
    ],
)
def test_stripped_output_is_itself_a_valid_upload(build):
    content_type, clean = stripped(build())

    detected = validate_upload(
        io.BytesIO(clean), len(clean), declared_content_type=content_type, filename=None
    )
    assert detected.content_type == content_type


def test_reader_errors_propagate_from_strip():
    class Broken(Exception):
        pass

    original = corpus.png_with_metadata()
    detected = validate_upload(
        io.BytesIO(original), len(original), declared_content_type=None, filename=None
    )

    class Failing(io.BytesIO):
        def read(self, n=-1):
            if self.tell() > 100:
                raise Broken
            return super().read(n)

    _, chunks = strip_metadata(Failing(original), detected)
    with pytest.raises(Broken):
        b"".join(chunks)


def test_file_changed_after_validation_is_rejected_from_the_iterator():
    original = corpus.plain_jpeg()
    detected = validate_upload(
        io.BytesIO(original), len(original), declared_content_type=None, filename=None
    )

    _, chunks = strip_metadata(io.BytesIO(original[:-100]), detected)
    with pytest.raises(UploadRejected) as caught:
        b"".join(chunks)
    assert caught.value.code == "malformed_file"


# --- Bounded memory ---------------------------------------------------------------------------


def noisy(size: tuple[int, int], seed: int = 3) -> Image.Image:
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_validate_and_strip_use_bounded_memory_on_a_large_image(fmt):
    out = io.BytesIO()
    noisy((1600, 1200)).save(out, format=fmt, quality=95, exif=corpus.gps_exif().tobytes())
    data = out.getvalue()
    assert len(data) > 2_000_000

    tracemalloc.start()
    try:
        detected = validate_upload(
            io.BytesIO(data), len(data), declared_content_type=None, filename=None
        )
        _, chunks = strip_metadata(io.BytesIO(data), detected)
        total = sum(len(chunk) for chunk in chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total < len(data)
    assert peak < 1_500_000, peak  # a few 64 KiB buffers, never the whole file


# --- Properties ------------------------------------------------------------------------------

MODES = {"JPEG": ["RGB", "L"], "PNG": ["RGB", "RGBA", "L", "P"], "WEBP": ["RGB", "RGBA"]}


@st.composite
def small_images(draw) -> bytes:
    fmt = draw(st.sampled_from(sorted(MODES)))
    mode = draw(st.sampled_from(MODES[fmt]))
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    channels = {"RGB": 3, "RGBA": 4, "L": 1, "P": 1}[mode]
    image = Image.frombytes(
        mode, (width, height), random.Random(seed).randbytes(width * height * channels)
    )
    options = {}
    if draw(st.booleans()):
        orientation = draw(st.one_of(st.none(), st.integers(1, 8)))
        options["exif"] = corpus.gps_exif(orientation).tobytes()
    if fmt == "JPEG" and draw(st.booleans()):
        options["comment"] = corpus.CANARY
    if fmt != "PNG" and draw(st.booleans()):
        options["xmp"] = corpus.xmp_packet()
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


@hypothesis_settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(small_images())
def test_stripping_is_idempotent_and_keeps_a_decodable_image(data):
    content_type, once = stripped(data)
    again_type, twice = stripped(once)

    original, clean = decoded(data), decoded(once)
    assert again_type == content_type
    assert twice == once
    assert clean.size == original.size
    assert clean.tobytes() == original.tobytes()
    assert not clean.getexif().get_ifd(corpus.GPS_IFD)
    assert set(clean.getexif()) <= {corpus.ORIENTATION}
    assert corpus.CANARY not in once


def test_jpeg_stray_bytes_between_segments_are_dropped():
    base = corpus.plain_jpeg()
    dqt = base.find(b"\xff\xdb")
    original = base[:dqt] + b"\x00\x00\x00" + base[dqt:]

    _, clean = stripped(original)

    assert clean == base


# --- Robustness: mutated files never crash the validator ---------------------------------------

SEEDS = {
    "jpeg": corpus.jpeg_with_gps(),
    "png": corpus.png_with_metadata(),
    "webp": corpus.webp_with_metadata(),
    "heic": corpus.heic_with_gps(),
    "pdf": corpus.simple_pdf(),
}


@st.composite
def mutated_files(draw) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        position = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[position] ^= draw(st.integers(1, 255))
        elif action == "truncate":
            del data[max(position, 3) :]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[position : position + draw(st.integers(1, 64))]
        if len(data) < 4:
            break
    return bytes(data)


@hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutated_files())
def test_mutated_files_are_accepted_cleanly_or_rejected_with_an_upload_error(data):
    try:
        content_type, clean = stripped(data)
    except UploadRejected as error:
        assert error.code in {
            "empty_file",
            "unsupported_file_type",
            "file_type_mismatch",
            "malformed_file",
            "decompression_bomb",
            "pdf_active_content",
            "pdf_encrypted",
            "pdf_too_complex",
        }
        return
    assert clean
    if content_type != "application/pdf":
        # A mutated length can make a kept segment (an ICC profile) swallow a comment, so
        # only what readers interpret as metadata is asserted here.
        image = decoded(clean)
        assert not image.getexif().get_ifd(corpus.GPS_IFD)
        assert set(image.getexif()) <= {corpus.ORIENTATION}
