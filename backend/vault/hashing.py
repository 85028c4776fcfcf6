"""SHA-256 on a second core while the request thread encrypts and writes.

hashlib releases the GIL for buffers over 2 KiB, so hashing in one helper thread overlaps
with AES-GCM and file I/O: on our 2-core servers this takes the hash (≈ 30 ms per 50 MB)
off the upload's critical path. Chunks are hashed strictly in submission order (one thread);
at most ``max_pending`` chunks wait, which bounds memory.
"""

from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor


class ParallelSha256:
    def __init__(self, max_pending: int = 8) -> None:
        self._hash = hashlib.sha256()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
        self._pending: deque[Future] = deque()
        self._max_pending = max_pending

    def update(self, data: bytes) -> None:
        self._pending.append(self._executor.submit(self._hash.update, data))
        while len(self._pending) > self._max_pending:
            self._pending.popleft().result()

    def hexdigest(self) -> str:
        self._drain()
        return self._hash.hexdigest()

    def _drain(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
