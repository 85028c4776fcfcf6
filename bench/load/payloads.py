"""Request bodies shared by the locustfile and the seeding step (no locust import here)."""

from __future__ import annotations

import os
import uuid

NARRATIVE = "The agency keeps my passport and my employer has not paid me for two months."


def pdf_bytes(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes (an incompressible stream pads it)."""
    head = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    )
    pad = max(0, size - 400)
    body = head + b"4 0 obj<</Length %d>>stream\n" % pad + os.urandom(pad) + b"\nendstream endobj\n"
    offsets = [body.index(b"%d 0 obj" % i) for i in range(1, 5)]
    xref = b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return body + xref + b"trailer<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % len(body)


def multipart(fields: dict, filename: str, content: bytes, content_type: str):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
