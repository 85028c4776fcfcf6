"""Crypto throughput: the streaming container per segment size, against raw AES-256-GCM.

Run: ``.venv/bin/python bench/bench_crypto.py`` (``BENCH_MB=200 BENCH_RUNS=3`` by default).
Prints a markdown table for docs/performance.md. Everything stays in memory except the
plaintext, which is one reused 1 MiB block, so the figures are CPU cost only (no disk).

- *encrypt*: ``StreamEncryptor`` fed 1 MiB chunks, including the plaintext SHA-256 the API
  computes on the way (the receipt needs it);
- *decrypt*: ``decrypt_range`` over the whole container (every segment authenticated);
- *raw AES-GCM*: one ``AESGCM.encrypt``/``decrypt`` per segment-sized block, no container, no
  hashing, no buffering: the ceiling our wrapper can reach;
- *SHA-256 only*: the hashing part of *encrypt*, for reference.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.vault.crypto.streaming import StreamEncryptor, decrypt_range

MB = 1024 * 1024
TOTAL = int(os.environ.get("BENCH_MB", "200")) * MB
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CHUNK = MB
SEGMENTS = [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]
KEY, KEY_ID = os.urandom(32), uuid.uuid4()
BLOCK = os.urandom(CHUNK)


def _median_rate(run) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return TOTAL / MB / statistics.median(times)


def _encrypt(segment_size: int, keep: bool = False) -> list[bytes]:
    """Streamed like an upload: each piece goes to a sink (kept only to build the input of
    the decryption benchmark), so the timing is not dominated by page faults of 200 MB."""
    encryptor = StreamEncryptor(KEY, KEY_ID, segment_size)
    out = [encryptor.header()]
    for _ in range(TOTAL // CHUNK):
        piece = encryptor.update(BLOCK)
        if keep:
            out.append(piece)
    out.append(encryptor.finalize())
    return out


def bench_stream(segment_size: int) -> tuple[float, float]:
    encrypt_rate = _median_rate(lambda: _encrypt(segment_size))
    ciphertext = b"".join(_encrypt(segment_size, keep=True))

    def read_at(offset: int, length: int) -> bytes:
        return ciphertext[offset : offset + length]

    def decrypt() -> None:
        for _ in decrypt_range(read_at, KEY, KEY_ID, len(ciphertext), segment_size=segment_size):
            pass

    return encrypt_rate, _median_rate(decrypt)


def bench_raw(segment_size: int) -> tuple[float, float]:
    aead = AESGCM(KEY)
    nonce = os.urandom(12)
    blocks = [BLOCK[i : i + segment_size] for i in range(0, CHUNK, segment_size)]
    per_chunk = TOTAL // CHUNK
    sealed = [aead.encrypt(nonce, block, None) for block in blocks]

    def encrypt() -> None:
        for _ in range(per_chunk):
            for block in blocks:
                aead.encrypt(nonce, block, None)  # benchmark only: nonce reuse is fine here

    def decrypt() -> None:
        for _ in range(per_chunk):
            for block in sealed:
                aead.decrypt(nonce, block, None)

    return _median_rate(encrypt), _median_rate(decrypt)


def bench_sha256() -> float:
    def run() -> None:
        digest = hashlib.sha256()
        for _ in range(TOTAL // CHUNK):
            digest.update(BLOCK)

    return _median_rate(run)


def main() -> None:
    print(
        f"{TOTAL // MB} MB, median of {RUNS} runs, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        "| segment | encrypt (MB/s) | decrypt (MB/s) | raw AES-GCM enc (MB/s) "
        "| raw AES-GCM dec (MB/s) |"
    )
    print("|---|---:|---:|---:|---:|")
    for segment_size in SEGMENTS:
        enc, dec = bench_stream(segment_size)
        raw_enc, raw_dec = bench_raw(segment_size)
        print(
            f"| {segment_size // 1024} KiB | {enc:,.0f} | {dec:,.0f} | {raw_enc:,.0f} "
            f"| {raw_dec:,.0f} |"
        )
    print(f"\nSHA-256 alone (part of encrypt): {bench_sha256():,.0f} MB/s")


if __name__ == "__main__":
    main()
