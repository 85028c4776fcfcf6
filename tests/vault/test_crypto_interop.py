"""The stream is Tink's AES-GCM-HKDF streaming AEAD: checked against Google's own ``tink``.

Our container only adds a 21-byte prefix before Tink's header (Tink's "first segment offset")
and uses it as the associated data. Here the same key derivation, header and nonce code decrypt
what Tink encrypted and produce what Tink decrypts, in Tink's offset-0 layout.
"""

from __future__ import annotations

import io
import os

import pytest
import tink
from tink import secret_key_access, streaming_aead
from tink.proto import aes_gcm_hkdf_streaming_pb2, common_pb2, tink_pb2

from backend.vault.crypto import streaming

SEGMENT = 4096  # Tink's ciphertext segment size
TINK_HEADER = streaming.TINK_HEADER_SIZE
AD = b"FTV1\x01" + bytes(16)


def _tink_primitive(raw_key: bytes):
    streaming_aead.register()
    key = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey(
        version=0,
        key_value=raw_key,
        params=aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingParams(
            ciphertext_segment_size=SEGMENT, derived_key_size=32, hkdf_hash_type=common_pb2.SHA256
        ),
    )
    keyset = tink_pb2.Keyset(
        primary_key_id=7,
        key=[
            tink_pb2.Keyset.Key(
                key_data=tink_pb2.KeyData(
                    type_url="type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey",
                    value=key.SerializeToString(),
                    key_material_type=tink_pb2.KeyData.SYMMETRIC,
                ),
                status=tink_pb2.ENABLED,
                key_id=7,
                output_prefix_type=tink_pb2.RAW,
            )
        ],
    )
    handle = tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)
    return handle.primitive(streaming_aead.StreamingAead)


class _Sink(io.BytesIO):
    def close(self) -> None:
        self.result = self.getvalue()
        super().close()


def _tink_encrypt(primitive, plaintext: bytes) -> bytes:
    sink = _Sink()
    with primitive.new_encrypting_stream(sink, AD) as stream:
        stream.write(plaintext)
    return sink.result


def _tink_decrypt(primitive, ciphertext: bytes) -> bytes:
    with primitive.new_decrypting_stream(io.BytesIO(ciphertext), AD) as stream:
        return stream.read()


def _split(ciphertext_body: bytes) -> list[bytes]:
    first = SEGMENT - TINK_HEADER
    pieces = [ciphertext_body[:first]]
    rest = ciphertext_body[first:]
    while rest:
        pieces.append(rest[:SEGMENT])
        rest = rest[SEGMENT:]
    return pieces


def _ours_decrypt(raw_key: bytes, ciphertext: bytes) -> bytes:
    assert ciphertext[0] == TINK_HEADER
    salt, prefix = ciphertext[1:33], ciphertext[33:40]
    aead = streaming._derive(raw_key, salt, AD)
    pieces = _split(ciphertext[TINK_HEADER:])
    return b"".join(
        aead.decrypt(streaming._nonce(prefix, i, i == len(pieces) - 1), piece, None)
        for i, piece in enumerate(pieces)
    )


def _ours_encrypt(raw_key: bytes, plaintext: bytes) -> bytes:
    salt, prefix = os.urandom(32), os.urandom(7)
    aead = streaming._derive(raw_key, salt, AD)
    first = SEGMENT - TINK_HEADER - 16
    pieces = [plaintext[:first]]
    rest = plaintext[first:]
    while rest:
        pieces.append(rest[: SEGMENT - 16])
        rest = rest[SEGMENT - 16 :]
    body = b"".join(
        aead.encrypt(streaming._nonce(prefix, i, i == len(pieces) - 1), piece, None)
        for i, piece in enumerate(pieces)
    )
    return bytes([TINK_HEADER]) + salt + prefix + body


SIZES = [0, 1, SEGMENT - TINK_HEADER - 16, SEGMENT - TINK_HEADER - 15, 3 * SEGMENT + 123]


@pytest.mark.parametrize("size", SIZES)
def test_we_decrypt_what_tink_encrypted(size):
    raw_key = os.urandom(32)
    plaintext = os.urandom(size)
    assert _ours_decrypt(raw_key, _tink_encrypt(_tink_primitive(raw_key), plaintext)) == plaintext


@pytest.mark.parametrize("size", SIZES)
def test_tink_decrypts_what_we_encrypted(size):
    raw_key = os.urandom(32)
    plaintext = os.urandom(size)
    ciphertext = _ours_encrypt(raw_key, plaintext)
    assert _tink_decrypt(_tink_primitive(raw_key), ciphertext) == plaintext


def test_tink_rejects_our_stream_with_another_associated_data():
    raw_key = os.urandom(32)
    ciphertext = _ours_encrypt(raw_key, b"x" * 100)
    primitive = _tink_primitive(raw_key)
    with (
        pytest.raises(tink.TinkError),
        primitive.new_decrypting_stream(io.BytesIO(ciphertext), b"other") as stream,
    ):
        stream.read()


def test_our_segment_sizes_follow_tink_with_a_first_segment_offset():
    """Tink with offset 21 (our prefix): header + first segment fill one ciphertext segment."""
    segment_size = SEGMENT - 16
    first_plaintext = segment_size - streaming.HEADER_SIZE
    assert streaming.ciphertext_size(first_plaintext, segment_size) == SEGMENT
    assert streaming.ciphertext_size(first_plaintext + 1, segment_size) == SEGMENT + 1 + 16
