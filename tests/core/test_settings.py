"""Settings: production refuses unsafe values, the embedded default needs no environment at all,
and secrets can come from ``*_FILE`` paths."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend.config import env as env_module

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 20 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0" + "x" * 10
GOOD_MASTER_KEY = base64.b64encode(b"m" * 32).decode()
GOOD_SIGNING_KEY = base64.b64encode(b"s" * 32).decode()
#: Every key production needs besides SECRET_KEY, as environment variables.
#: An SMS provider backend class path (production refuses the console/file/locmem ones).
PROVIDER_SMS = "example.sms.ProviderSmsBackend"
KEYS_ENV = {
    "FAIRTRAIL_MASTER_KEY": GOOD_MASTER_KEY,
    "FAIRTRAIL_SIGNING_KEY": GOOD_SIGNING_KEY,
    "SMS_BACKEND": PROVIDER_SMS,
}


def production_module():
    """``backend.config.settings.production``, imported in-process for its check function.

    Its import-time check reads the values ``base`` computed for the test run (an insecure
    development key), so they are swapped for safe ones while the module is first imported.
    """
    import importlib

    from backend.config.settings import base

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(base, "SECRET_KEY", GOOD_SECRET)
        patch.setattr(base, "DEBUG", False)
        patch.setattr(base, "FAIRTRAIL_MASTER_KEY", GOOD_MASTER_KEY)
        patch.setattr(base, "FAIRTRAIL_SIGNING_KEY", GOOD_SIGNING_KEY, raising=False)
        patch.setattr(base, "SMS_BACKEND", PROVIDER_SMS)
        return importlib.import_module("backend.config.settings.production")


def check(**overrides):
    check_production_settings = production_module().check_production_settings

    values = {
        "secret_key": GOOD_SECRET,
        "debug": False,
        "master_key": GOOD_MASTER_KEY,
        "master_key_path": None,
        "provider": "backend.core.keys.EnvOrFileKeyProvider",
        "sms_backend": PROVIDER_SMS,
        "signing_key": GOOD_SIGNING_KEY,
        "signing_key_path": None,
    }
    values.update(overrides)
    check_production_settings(**values)


def run_python(code: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``code`` with this interpreter and *only* ``env`` (plus PATH) in the environment."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=clean, capture_output=True, text=True, timeout=60
    )


PRINT_SETTINGS = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
import django
django.setup()
from django.conf import settings
from workers.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "storage": settings.STORAGES["default"]["BACKEND"],
    "media_root": str(settings.MEDIA_ROOT),
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "debug": settings.DEBUG,
    "secret_key": settings.SECRET_KEY,
    "master_key": settings.FAIRTRAIL_MASTER_KEY,
    "signing_key": getattr(settings, "FAIRTRAIL_SIGNING_KEY", None),
}))
"""


# --- check_production_settings ----------------------------------------------------------------


def test_safe_production_values_pass():
    check()


@pytest.mark.parametrize(
    "secret_key",
    ["", "short", "insecure-development-key-change-me", "django-insecure-" + "a" * 60],
)
def test_production_refuses_an_insecure_secret_key(secret_key):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        check(secret_key=secret_key)


def test_production_refuses_debug():
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be off"):
        check(debug=True)


def test_production_refuses_to_start_without_a_master_key():
    with pytest.raises(ImproperlyConfigured, match="master key is required"):
        check(master_key=None, master_key_path=None)


def test_production_refuses_to_start_without_a_receipt_signing_key():
    with pytest.raises(ImproperlyConfigured, match="signing key is required"):
        check(signing_key=None, signing_key_path=None)


def test_a_master_key_file_path_is_enough():
    check(master_key=None, master_key_path="/run/secrets/master_key")


def test_a_custom_key_provider_needs_no_local_master_key():
    check(master_key=None, provider="example.kms.KmsKeyProvider")


@pytest.mark.parametrize(
    "sms_backend",
    [
        "console",
        "file",
        "locmem",
        "",
        None,
        "backend.core.sms.backends.ConsoleSmsBackend",
        "backend.core.sms.FileSmsBackend",
        "backend.core.sms.backends.LocmemSmsBackend",
    ],
)
def test_production_refuses_development_sms_backends(sms_backend):
    with pytest.raises(ImproperlyConfigured, match="SMS_BACKEND must be the dotted path"):
        check(sms_backend=sms_backend)


def test_production_accepts_an_sms_provider_class_path():
    check(sms_backend="example.sms.ProviderSmsBackend")


def test_proxy_warning_when_behind_a_tls_proxy_with_no_proxies_counted():
    warnings = production_module().proxy_settings_warnings

    assert warnings(num_proxies=0, secure_proxy_ssl_header=("HTTP_X_FORWARDED_PROTO", "https"))
    assert not warnings(num_proxies=1, secure_proxy_ssl_header=("HTTP_X_FORWARDED_PROTO", "https"))
    assert not warnings(num_proxies=0, secure_proxy_ssl_header=None)


def test_every_problem_is_named_at_once():
    with pytest.raises(ImproperlyConfigured) as error:
        check(secret_key="short", debug=True, master_key=None)
    message = str(error.value)
    assert "SECRET_KEY" in message
    assert "DEBUG" in message
    assert "master key" in message


# --- importing the production module for real ------------------------------------------------

IMPORT_PRODUCTION = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings.production"
from django.conf import settings
try:
    settings.SECRET_KEY
except Exception as exc:
    print(type(exc).__name__ + ": " + str(exc))
    raise SystemExit(3)
print("started")
"""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (KEYS_ENV, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "insecure-" + "a" * 60, **KEYS_ENV}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": GOOD_SECRET, "DEBUG": "true", **KEYS_ENV}, "DEBUG must be off"),
        ({"SECRET_KEY": GOOD_SECRET, **KEYS_ENV, "SMS_BACKEND": "console"}, "SMS_BACKEND"),
        (
            {
                k: v
                for k, v in {"SECRET_KEY": GOOD_SECRET, **KEYS_ENV}.items()
                if k != "SMS_BACKEND"
            },
            "SMS_BACKEND must be the dotted path",
        ),
        (
            {
                "SECRET_KEY": GOOD_SECRET,
                "FAIRTRAIL_SIGNING_KEY": GOOD_SIGNING_KEY,
                "SMS_BACKEND": PROVIDER_SMS,
            },
            "a master key is required",
        ),
    ],
    ids=["no-secret", "insecure-secret", "debug-on", "console-sms", "default-sms", "no-master-key"],
)
def test_importing_production_settings_refuses_unsafe_environments(env, expected, tmp_path):
    result = run_python(IMPORT_PRODUCTION, {"FAIRTRAIL_DATA_DIR": str(tmp_path), **env})

    assert result.returncode == 3, result.stderr
    assert "ImproperlyConfigured: Refusing to start" in result.stdout
    assert expected in result.stdout


def test_importing_production_settings_starts_with_safe_values(tmp_path):
    env = {"SECRET_KEY": GOOD_SECRET, **KEYS_ENV, "FAIRTRAIL_DATA_DIR": str(tmp_path)}
    result = run_python(IMPORT_PRODUCTION, env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "started"


PRINT_PROXIES = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings.production"
from django.conf import settings
print("num_proxies=%s" % settings.REST_FRAMEWORK["NUM_PROXIES"])
"""


def test_production_reads_num_proxies_and_warns_when_it_is_zero(tmp_path):
    base_env = {"SECRET_KEY": GOOD_SECRET, **KEYS_ENV, "FAIRTRAIL_DATA_DIR": str(tmp_path)}

    bare = run_python(PRINT_PROXIES, base_env)
    proxied = run_python(PRINT_PROXIES, {**base_env, "NUM_PROXIES": "1"})

    assert bare.returncode == proxied.returncode == 0, bare.stderr + proxied.stderr
    assert bare.stdout.strip() == "num_proxies=0"
    assert "NUM_PROXIES is 0" in bare.stderr
    assert proxied.stdout.strip() == "num_proxies=1"
    assert "NUM_PROXIES" not in proxied.stderr


def test_compose_puts_the_app_behind_one_proxy():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))

    assert compose["x-app"]["environment"]["NUM_PROXIES"] == "${NUM_PROXIES:-1}"


# --- the embedded default ----------------------------------------------------------------------


def test_embedded_default_uses_sqlite_local_disk_and_eager_tasks(tmp_path):
    """No environment variables at all (a fresh laptop): what ``manage.py``/``make run`` get."""
    if (ROOT / ".env").exists():
        pytest.fail(".env in the project root would leak into this check; run it without one")
    result = run_python(PRINT_SETTINGS, {})

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["db_name"] == str(ROOT / "data" / "fairtrail.sqlite3")
    assert seen["storage"] == "django.core.files.storage.FileSystemStorage"
    assert seen["media_root"] == str(ROOT / "data" / "media")
    assert seen["eager"] is True
    assert seen["broker"] == "memory://"
    assert seen["debug"] is True


def test_manage_py_and_wsgi_default_to_the_embedded_settings():
    for relative in ("manage.py", "backend/config/wsgi.py", "workers/celery.py"):
        text = (ROOT / relative).read_text(encoding="utf-8")
        assert '"DJANGO_SETTINGS_MODULE", "backend.config.settings.local"' in text, relative


# --- *_FILE secrets ----------------------------------------------------------------------------


def test_env_reads_a_secret_from_the_file_named_by_name_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret_key"
    secret.write_text(GOOD_SECRET + "\n", encoding="utf-8")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))

    assert env_module.env("SECRET_KEY") == GOOD_SECRET


def test_a_direct_value_wins_over_the_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret_key"
    secret.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))

    assert env_module.env("SECRET_KEY") == "from-env"


def test_a_missing_secret_file_is_an_error_not_a_silent_default(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "absent"))

    with pytest.raises(FileNotFoundError):
        env_module.env("SECRET_KEY", "fallback")


def test_production_settings_take_their_secrets_from_files(tmp_path):
    (tmp_path / "secret_key").write_text(GOOD_SECRET + "\n", encoding="utf-8")
    (tmp_path / "master_key").write_text(GOOD_MASTER_KEY + "\n", encoding="utf-8")
    (tmp_path / "signing_key").write_text(GOOD_SIGNING_KEY + "\n", encoding="utf-8")
    env = {
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.production",
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "FAIRTRAIL_MASTER_KEY_FILE": str(tmp_path / "master_key"),
        "FAIRTRAIL_SIGNING_KEY_FILE": str(tmp_path / "signing_key"),
        "FAIRTRAIL_DATA_DIR": str(tmp_path),
        "SMS_BACKEND": PROVIDER_SMS,
    }
    result = run_python(PRINT_SETTINGS, env)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["secret_key"] == GOOD_SECRET
    assert seen["master_key"] == GOOD_MASTER_KEY
    assert seen["signing_key"] == GOOD_SIGNING_KEY
    assert seen["debug"] is False
