"""Vault benchmark: encrypted vs plain transfer on one gunicorn server, memory, list, tus.

Run: ``.venv/bin/python bench/bench_vault.py`` (prints a markdown table for
docs/performance.md). Each figure is the median of several runs on the same server.
"""

from __future__ import annotations

import base64
import os
import statistics
import sys
import time
from pathlib import Path

import django
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench.server import RssSampler, current_rss_mb, gunicorn

MB = 1024 * 1024
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def make_pdf_bytes(size: int) -> bytes:
    """A valid PDF of about ``size`` bytes (an incompressible stream pads it)."""
    head = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    )
    pad_len = max(0, size - 400)
    stream = (
        b"4 0 obj<</Length %d>>stream\n" % pad_len + os.urandom(pad_len) + b"\nendstream endobj\n"
    )
    body = head + stream
    xref_pos = len(body)
    offsets = [body.index(b"%d 0 obj" % i) for i in range(1, 5)]
    xref = b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return body + xref + b"trailer<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref_pos


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_rate(fn, size: int) -> float:
    return statistics.median(size / MB / timed(fn) for _ in range(RUNS))


def sign_in(base: str) -> requests.Session:
    session = requests.Session()
    token = session.post(
        f"{base}/api/v1/auth/token", json={"phone": "+66810000001", "password": "demo-worker-pass"}
    ).json()
    session.headers["Authorization"] = f"Bearer {token['access']}"
    return session


def seed_worker(data_dir: Path) -> None:
    django.setup()
    from django.utils import timezone

    from backend.accounts.models import User

    User.objects.create_user(
        "+66810000001", "demo-worker-pass", phone="+66810000001", phone_verified_at=timezone.now()
    )


def upload_doc(session, base, content, name="doc.pdf"):
    response = session.post(
        f"{base}/api/v1/vault/documents/",
        data={"kind": "payslip"},
        files={"file": (name, content, "application/pdf")},
    )
    response.raise_for_status()
    return response.json()


def download(session, url) -> int:
    total = 0
    with session.get(url, stream=True) as response:
        response.raise_for_status()
        for chunk in response.iter_content(MB):
            total += len(chunk)
    return total


def tus_upload(session, base, content, chunk=MB) -> str:
    meta = "filename " + base64.b64encode(b"doc.pdf").decode()
    created = session.post(
        f"{base}/api/v1/vault/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(content)),
            "Upload-Metadata": meta,
        },
    )
    location = created.headers["Location"]
    for offset in range(0, len(content), chunk):
        session.patch(
            location,
            data=content[offset : offset + chunk],
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        ).raise_for_status()
    return created.json()["id"]


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    with gunicorn(env={"VAULT_MAX_UPLOAD_BYTES": str(400 * MB)}) as (base, pid, data_dir):
        os.environ["FAIRTRAIL_DATA_DIR"] = str(data_dir)
        seed_worker(data_dir)
        session = sign_in(base)
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        # Memory first, on a fresh worker: later runs would leave freed-but-resident memory.
        big = make_pdf_bytes(200 * MB)
        baseline = current_rss_mb(pid)
        with RssSampler(pid) as up:
            big_doc = upload_doc(session, base, big)
        with RssSampler(pid) as down:
            download(session, f"{base}/api/v1/vault/documents/{big_doc['id']}/content")
        up_peak, down_peak = up.peak_mb - baseline, down.peak_mb - baseline
        rows.append(
            (
                "Peak memory growth, 200 MB upload / download (worker RSS)",
                f"{up_peak:.1f} MB / {down_peak:.1f} MB",
                "target < 64 MB",
            )
        )
        del big
        fifty = make_pdf_bytes(50 * MB)
        doc = upload_doc(session, base, fifty)
        default_storage.save("bench-plain/fifty.pdf", ContentFile(fifty))
        enc = median_rate(
            lambda: download(session, f"{base}/api/v1/vault/documents/{doc['id']}/content"),
            len(fifty),
        )
        plain = median_rate(lambda: download(session, f"{base}/bench/plain/fifty.pdf"), len(fifty))
        rows.append(
            (
                "Download 50 MB: encrypted vs plain FileResponse",
                f"{enc:.0f} MB/s vs {plain:.0f} MB/s",
                f"{enc / plain:.0%} (target ≥ 80 %)",
            )
        )

        enc_up = median_rate(lambda: upload_doc(session, base, fifty), len(fifty))
        plain_up = median_rate(
            lambda: session.post(
                f"{base}/bench/plain-upload", files={"file": ("doc.pdf", fifty, "application/pdf")}
            ).raise_for_status(),
            len(fifty),
        )
        rows.append(
            (
                "Upload 50 MB: encrypted vs Django default (plaintext temp file)",
                f"{enc_up:.0f} MB/s vs {plain_up:.0f} MB/s",
                f"{enc_up / plain_up:.0%} (target ≥ 100 %)",
            )
        )

        single = median_rate(lambda: upload_doc(session, base, fifty), len(fifty))
        resumable = median_rate(
            lambda: session.post(
                f"{base}/api/v1/vault/documents/",
                json={"upload_id": tus_upload(session, base, fifty), "kind": "payslip"},
            ).raise_for_status(),
            len(fifty),
        )
        rows.append(
            (
                "tus at 1 MB chunks vs single request (50 MB, incl. document creation)",
                f"{resumable:.0f} MB/s vs {single:.0f} MB/s",
                f"overhead {single / resumable - 1:.1%} (target < 10 %)",
            )
        )

        small = make_pdf_bytes(2000)
        for _ in range(1000):
            upload_doc(session, base, small)
        lat = []
        for _ in range(30):
            lat.append(
                timed(
                    lambda: session.get(
                        f"{base}/api/v1/vault/documents/?page_size=50"
                    ).raise_for_status()
                )
            )
        lat.sort()
        rows.append(
            (
                "Document list, worker with 1,000+ documents (50 per page)",
                f"p50 {statistics.median(lat) * 1000:.1f} ms, "
                f"p95 {lat[int(len(lat) * 0.95) - 1] * 1000:.1f} ms",
                "constant queries (tested)",
            )
        )

    print("| Measure | Result | Ratio / target |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
