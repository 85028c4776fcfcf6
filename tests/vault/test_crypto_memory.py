"""Memory stays bounded by about one segment whatever the file size (behaviour, not timing)."""

from __future__ import annotations

import hashlib
import tracemalloc
import uuid

from backend.vault.crypto.streaming import (
    DecryptingReader,
    StreamEncryptor,
    ciphertext_size,
    decrypt_range,
)

TOTAL = 200 * 1024 * 1024
CHUNK = 1024 * 1024
LIMIT = 64 * 1024 * 1024


def test_200_mb_encrypt_and_decrypt_with_bounded_memory(tmp_path):
    key, key_id = bytes(32), uuid.uuid4()
    block = hashlib.sha256(b"seed").digest() * (CHUNK // 32)
    path = tmp_path / "big.ftv"
    expected = hashlib.sha256()

    tracemalloc.start()
    try:
        encryptor = StreamEncryptor(key, key_id)
        with open(path, "wb") as out:
            out.write(encryptor.header())
            for i in range(TOTAL // CHUNK):
                chunk = block[:-1] + bytes([i % 256])
                expected.update(chunk)
                out.write(encryptor.update(chunk))
            out.write(encryptor.finalize())
        assert encryptor.plaintext_sha256 == expected.hexdigest()
        size = path.stat().st_size
        assert size == ciphertext_size(TOTAL)

        with open(path, "rb") as handle:

            def read_at(offset: int, length: int) -> bytes:
                handle.seek(offset)
                return handle.read(length)

            got, received = hashlib.sha256(), 0
            for piece in decrypt_range(read_at, key, key_id, size):
                got.update(piece)
                received += len(piece)
            assert (received, got.hexdigest()) == (TOTAL, expected.hexdigest())

            reader = DecryptingReader(read_at, key, key_id, size)
            reader.seek(TOTAL - 10)
            assert reader.read() == (block[:-1] + bytes([(TOTAL // CHUNK - 1) % 256]))[-10:]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"tracemalloc peak {peak / 2**20:.1f} MiB")
    assert peak < LIMIT, f"peak {peak / 2**20:.1f} MiB"
