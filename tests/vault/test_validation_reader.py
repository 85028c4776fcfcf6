"""validate_upload and strip_metadata over the vault's real decrypting reader (no plaintext on
disk): results match plain bytes, and tampered ciphertext is an integrity error, not a bad file."""

from __future__ import annotations

import io
import os
import uuid

import pytest

from backend.vault.crypto.errors import IntegrityError
from backend.vault.crypto.streaming import DecryptingReader, encrypt_bytes
from backend.vault.validation import UploadRejected, strip_metadata, validate_upload
from tests.vault import corpus

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")

SEGMENT = 4096  # small segments, so every file spans many of them


def encrypted(data: bytes):
    key, key_id = os.urandom(32), uuid.uuid4()
    ciphertext = bytearray(encrypt_bytes(key, key_id, data, segment_size=SEGMENT))

    def reader() -> DecryptingReader:
        def read_at(offset: int, length: int) -> bytes:
            return bytes(ciphertext[offset : offset + length])

        return DecryptingReader(read_at, key, key_id, len(ciphertext), segment_size=SEGMENT)

    return reader, ciphertext


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
def test_decrypting_reader_gives_the_same_result_as_plain_bytes(build):
    data = build()
    reader, _ = encrypted(data)
    plain = validate_upload(io.BytesIO(data), len(data), declared_content_type=None, filename=None)
    plain_type, plain_chunks = strip_metadata(io.BytesIO(data), plain)

    detected = validate_upload(reader(), len(data), declared_content_type=None, filename=None)
    content_type, chunks = strip_metadata(reader(), detected)

    assert detected == plain
    assert content_type == plain_type
    assert b"".join(chunks) == b"".join(plain_chunks)


@pytest.mark.parametrize(
    "case",
    [c for c in corpus.HOSTILE if c.code != "empty_file"],
    ids=[c.id for c in corpus.HOSTILE if c.code != "empty_file"],
)
def test_hostile_files_get_the_same_code_through_the_decrypting_reader(case):
    data = case.build()
    reader, _ = encrypted(data)

    with pytest.raises(UploadRejected) as caught:
        validate_upload(
            reader(), len(data), declared_content_type=case.content_type, filename=case.filename
        )
    assert caught.value.code == case.code


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
def test_tampered_ciphertext_raises_integrity_error_not_a_rejection(build):
    data = build()
    reader, ciphertext = encrypted(data)
    ciphertext[len(ciphertext) // 2] ^= 0x01

    with pytest.raises(IntegrityError):
        validate_upload(reader(), len(data), declared_content_type=None, filename=None)


def test_tampered_ciphertext_raises_integrity_error_from_strip():
    data = corpus.png_with_metadata()
    reader, ciphertext = encrypted(data)
    detected = validate_upload(reader(), len(data), declared_content_type=None, filename=None)
    ciphertext[len(ciphertext) // 2] ^= 0x01

    _, chunks = strip_metadata(reader(), detected)
    with pytest.raises(IntegrityError):
        b"".join(chunks)
