"""Ed25519 receipts: sign, verify, detect tampering, verify offline from the PEM alone."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from backend.vault.crypto import signing
from backend.vault.crypto.signing import (
    canonical_json,
    public_key_info,
    public_key_pem,
    sign_payload,
    verify_receipt,
)

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = {
    "type": "fairtrail.upload_receipt",
    "sha256": "ab" * 32,
    "size": 1234,
    "title": "Hợp đồng lao động",
    "trail_position": 3,
}


def test_canonical_json_is_sorted_compact_utf8():
    assert (
        canonical_json({"b": 1, "a": [1, {"d": None, "c": "é"}]})
        == '{"a":[1,{"c":"é","d":null}],"b":1}'.encode()
    )
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_receipt_shape_and_verification():
    receipt = sign_payload(PAYLOAD)
    info = public_key_info()
    assert set(receipt) == {"payload", "signature", "key_id", "alg"}
    assert receipt["alg"] == info["alg"] == "Ed25519"
    assert receipt["key_id"] == info["key_id"]
    assert len(base64.b64decode(receipt["signature"])) == 64
    assert verify_receipt(receipt)
    assert verify_receipt(receipt, public_key_pem())
    assert verify_receipt(json.loads(json.dumps(receipt)), info["pem"].encode())


def test_key_id_is_the_sha256_of_the_raw_public_key():
    raw = (
        signing.signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    assert public_key_info()["key_id"] == hashlib.sha256(raw).hexdigest()[:16]


@pytest.mark.parametrize(
    "tamper", ["payload", "signature", "alg", "key_id", "missing", "not-base64", "extra-field"]
)
def test_tampered_receipts_fail(tamper):
    receipt = copy.deepcopy(sign_payload(PAYLOAD))
    if tamper == "payload":
        receipt["payload"]["size"] = 1235
    elif tamper == "signature":
        sig = bytearray(base64.b64decode(receipt["signature"]))
        sig[0] ^= 1
        receipt["signature"] = base64.b64encode(sig).decode()
    elif tamper == "alg":
        receipt["alg"] = "none"
    elif tamper == "key_id":
        receipt["key_id"] = "0" * 16
    elif tamper == "missing":
        del receipt["signature"]
    elif tamper == "not-base64":
        receipt["signature"] = "!!!"
    else:
        receipt["payload"]["extra"] = True
    assert verify_receipt(receipt) is False


def test_another_key_does_not_verify():
    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert verify_receipt(sign_payload(PAYLOAD), other) is False
    assert verify_receipt("not a dict", other) is False
    with pytest.raises(ValueError):
        verify_receipt(sign_payload(PAYLOAD), b"not a pem")


def test_verification_offline_from_the_pem_alone(tmp_path):
    """A verifier with only Python + cryptography (no Django, no settings) checks a receipt,
    through our module and through the few lines docs/encryption.md gives."""
    (tmp_path / "receipt.json").write_text(json.dumps(sign_payload(PAYLOAD)))
    (tmp_path / "key.pem").write_bytes(public_key_pem())
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    ours = (
        "import json,sys\n"
        "from backend.vault.crypto.signing import verify_receipt\n"
        "r=json.load(open('receipt.json'));pem=open('key.pem','rb').read()\n"
        "assert 'django.conf' not in sys.modules or True\n"
        "ok=verify_receipt(r,pem)\n"
        "assert 'django.conf' not in sys.modules, 'imported Django'\n"
        "r['payload']['size']+=1\n"
        "print(ok, verify_receipt(r,pem))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", ours],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "False"]
    standalone = (
        "import base64,json\n"
        "from cryptography.hazmat.primitives.serialization import load_pem_public_key\n"
        "r=json.load(open('receipt.json'))\n"
        "msg=json.dumps(r['payload'],sort_keys=True,separators=(',',':'),"
        "ensure_ascii=False).encode()\n"
        "load_pem_public_key(open('key.pem','rb').read())"
        ".verify(base64.b64decode(r['signature']),msg)\n"
        "print('VALID')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", standalone],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "VALID"


def test_openssl_verifies_a_receipt(tmp_path):
    receipt = sign_payload(PAYLOAD)
    (tmp_path / "payload.json").write_bytes(canonical_json(receipt["payload"]))
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(receipt["signature"]))
    (tmp_path / "key.pem").write_bytes(public_key_pem())
    result = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "key.pem",
            "-rawin",
            "-in",
            "payload.json",
            "-sigfile",
            "sig.bin",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Signature Verified Successfully" in result.stdout


def test_signing_key_from_a_file_created_on_first_use(settings, tmp_path):
    path = tmp_path / "signing.key"
    settings.FAIRTRAIL_SIGNING_KEY = None
    settings.FAIRTRAIL_SIGNING_KEY_PATH = str(path)
    settings.FAIRTRAIL_MASTER_KEY_AUTOCREATE = False
    with pytest.raises(ImproperlyConfigured):
        sign_payload(PAYLOAD)
    settings.FAIRTRAIL_MASTER_KEY_AUTOCREATE = True
    receipt = sign_payload(PAYLOAD)
    assert path.exists() and len(base64.b64decode(path.read_text())) == 32
    assert verify_receipt(receipt)
    assert sign_payload(PAYLOAD)["key_id"] == receipt["key_id"]  # the same key next time


def test_signing_key_from_an_openssl_pem(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "signing.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.FAIRTRAIL_SIGNING_KEY = None
    settings.FAIRTRAIL_SIGNING_KEY_PATH = str(path)
    assert public_key_pem() == key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_bad_or_missing_signing_key(settings):
    settings.FAIRTRAIL_SIGNING_KEY_PATH = None
    for bad in ["not base64!", base64.b64encode(b"short").decode(), None]:
        settings.FAIRTRAIL_SIGNING_KEY = bad
        with pytest.raises(ImproperlyConfigured):
            sign_payload(PAYLOAD)


def _import_production_settings(**extra: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FAIRTRAIL_", "DJANGO_", "SECRET_KEY", "DEBUG"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        SECRET_KEY="s" * 60,
        DEBUG="0",
        FAIRTRAIL_MASTER_KEY=base64.b64encode(os.urandom(32)).decode(),
        SMS_BACKEND="example.sms.ProviderSmsBackend",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", "import backend.config.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_signing_key():
    refused = _import_production_settings()
    assert refused.returncode != 0
    assert "signing key is required" in refused.stderr
    key = base64.b64encode(os.urandom(32)).decode()
    assert _import_production_settings(FAIRTRAIL_SIGNING_KEY=key).returncode == 0
    assert (
        _import_production_settings(
            FAIRTRAIL_SIGNING_KEY_PATH="/run/secrets/signing.key"
        ).returncode
        == 0
    )
