"""Evidence bundles: a ZIP of chosen documents that a court or NGO can check offline.

Layout::

    manifest.json      documents (hashes, sizes, receipts), the trail excerpt, the public key
    manifest.sig.json  Ed25519 signature over manifest.json (same format as receipts)
    summary.html       a readable summary for people
    files/<n>-<kind>.<ext>

The ZIP is streamed as it is built (no temporary file: it holds decrypted documents). Every
included document gets a ``bundle`` event in its owner's trail.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from typing import Any

from django.template.loader import render_to_string

from backend.core import clock
from backend.vault import keyring, services
from backend.vault.blobs import PartsReader
from backend.vault.crypto.signing import public_key_info, sign_payload
from backend.vault.crypto.streaming import decrypt_range
from backend.vault.models import Document, TrailEntry, TrailEvent, Vault
from backend.vault.selectors import document_meta
from backend.vault.trail import entry_payload

EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
}
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig.json"


class _Pipe:
    """A write-only file object whose written bytes are drained by the generator."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.position = 0

    def write(self, data: bytes) -> int:
        self.buffer += data
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def _file_name(index: int, document: Document) -> str:
    ext = EXTENSIONS.get(document.current_version.content_type, "bin")
    return f"files/{index:02d}-{document.kind}.{ext}"


#: Only the events that prove what a document is and when it existed. Views, downloads,
#: shares and revocations stay out: a bundle goes to a court or the other party and must not
#: tell them who else has looked at the evidence.
EVIDENCE_EVENTS = (
    TrailEvent.UPLOAD,
    TrailEvent.NEW_VERSION,
    TrailEvent.DELETE,
    TrailEvent.INTEGRITY_FAILURE,
)


def _trail_excerpt(documents: list[Document]) -> list[dict[str, Any]]:
    ids = [d.id for d in documents]
    entries = (
        TrailEntry.objects.filter(document_id__in=ids, event__in=EVIDENCE_EVENTS)
        .select_related("vault")
        .order_by("vault_id", "position")
    )
    return [
        {
            **entry_payload(e),
            "owner": e.vault.pseudonym,
            "prev_hash": e.prev_hash,
            "entry_hash": e.entry_hash,
        }
        for e in entries
    ]


def _summary_html(manifest: dict[str, Any], titles: dict[str, str]) -> str:
    items = [
        {
            **item,
            "title": titles.get(item["document_id"], ""),
            "received": item["receipt"]["payload"]["server_time"],
        }
        for item in manifest["documents"]
    ]
    return render_to_string("vault/bundle_summary.html", {"manifest": manifest, "items": items})


def bundle_stream(*, documents: list[Document], actor) -> tuple[str, Iterator[bytes]]:
    """Record the export in the trail, then return (filename, ZIP byte stream)."""
    documents = [d for d in documents if d.current_version is not None]
    for document in documents:
        services.document_access_record(
            document=document,
            actor=actor,
            event=TrailEvent.BUNDLE,
            data={"documents": len(documents)},
        )
    meta = document_meta(documents)
    generated_at = clock.now()
    manifest: dict[str, Any] = {
        "type": "fairtrail.evidence_bundle",
        "format": 1,
        "generated_at": generated_at.isoformat(),
        "public_key": public_key_info(),
        "documents": [
            {
                "document_id": str(d.id),
                "file": _file_name(i, d),
                "kind": d.kind,
                "version": d.current_version.number,
                "sha256": d.current_version.sha256,
                "size": d.current_version.plaintext_size,
                "content_type": d.current_version.content_type,
                "receipt": d.current_version.receipt,
            }
            for i, d in enumerate(documents, start=1)
        ],
        "trail": _trail_excerpt(documents),
    }
    titles = {str(d.id): meta.get(d.id, {}).get("title", "") for d in documents}
    filename = f"fairtrail-evidence-{generated_at:%Y%m%d-%H%M%S}.zip"

    def chunks() -> Iterator[bytes]:
        pipe = _Pipe()
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED) as archive:
            manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            archive.writestr(MANIFEST, manifest_bytes)
            archive.writestr(
                SIGNATURE,
                json.dumps(
                    sign_payload({"manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest()})
                ),
            )
            archive.writestr("summary.html", _summary_html(manifest, titles))
            yield pipe.drain()
            for index, document in enumerate(documents, start=1):
                version = document.current_version
                vault = Vault.objects.get(owner_id=document.owner_id)
                key = keyring.unwrap_data_key(vault, version.id, version.wrapped_data_key)
                reader = PartsReader(version.blob_parts)
                try:
                    with archive.open(_file_name(index, document), "w", force_zip64=True) as out:
                        for piece in decrypt_range(
                            reader.read_at,
                            key,
                            version.id,
                            version.ciphertext_size,
                            segment_size=version.segment_size,
                        ):
                            out.write(piece)
                            if len(pipe.buffer) >= 1024 * 1024:
                                yield pipe.drain()
                finally:
                    reader.close()
                yield pipe.drain()
        yield pipe.drain()

    return filename, chunks()


def verify_bundle(path: str, public_key_pem: bytes | None = None) -> list[str]:
    """Check a bundle offline. Returns a list of problems (empty = valid)."""
    from backend.vault.crypto.chain import entry_hash
    from backend.vault.crypto.signing import verify_receipt

    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        manifest_bytes = archive.read(MANIFEST)
        manifest = json.loads(manifest_bytes)
        pem = public_key_pem or manifest["public_key"]["pem"].encode()
        signature = json.loads(archive.read(SIGNATURE))
        if not verify_receipt(signature, pem):
            problems.append("manifest signature is not valid")
        elif (
            signature["payload"].get("manifest_sha256")
            != hashlib.sha256(manifest_bytes).hexdigest()
        ):
            problems.append("manifest does not match its signature")
        for item in manifest["documents"]:
            digest = hashlib.sha256()
            with archive.open(item["file"]) as handle:
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
            if digest.hexdigest() != item["sha256"]:
                problems.append(f"{item['file']}: content does not match its hash")
            receipt = item["receipt"]
            if not verify_receipt(receipt, pem):
                problems.append(f"{item['file']}: receipt signature is not valid")
            elif receipt["payload"]["sha256"] != item["sha256"]:
                problems.append(f"{item['file']}: receipt is for different content")
        for entry in manifest["trail"]:
            payload = {
                k: v for k, v in entry.items() if k not in ("owner", "prev_hash", "entry_hash")
            }
            if entry_hash(entry["prev_hash"], payload) != entry["entry_hash"]:
                problems.append(f"trail entry {entry['position']} has been altered")
    return problems
