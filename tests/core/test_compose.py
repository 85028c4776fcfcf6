"""docker-compose.yml and the Dockerfile, checked statically (Docker does not run in CI)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat", "postgres", "redis", "minio")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_every_service_is_declared(services):
    assert set(LONG_RUNNING) <= set(services)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web", r"^gunicorn backend\.config\.wsgi:application "),
        ("worker", r"^celery -A workers worker\b"),
        ("beat", r"^celery -A workers beat\b"),
        ("migrate", r"^python manage\.py migrate --noinput$"),
    ],
)
def test_app_service_commands(services, name, expected):
    assert re.search(expected, command_text(services[name]))


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable")
    assert healthcheck["test"]
    assert healthcheck.get("interval")
    assert healthcheck.get("retries")


def test_healthchecks_probe_the_right_thing(services):
    def text(name):
        test = services[name]["healthcheck"]["test"]
        return " ".join(test) if isinstance(test, list) else test

    assert "/healthz" in text("web")
    assert "inspect ping" in text("worker")
    assert "celerybeat.pid" in text("beat")
    assert "pg_isready" in text("postgres")
    assert "redis-cli ping" in text("redis")
    assert "mc ready local" in text("minio")


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_services_use_production_settings_and_s3(services, name):
    env = services[name]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "backend.config.settings.production"
    assert env["STORAGE_BACKEND"] == "s3"
    assert env["STORAGE_BUCKET"]
    assert env["STORAGE_ENDPOINT_URL"] == "http://minio:9000"
    assert env["STORAGE_ACCESS_KEY_ID"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_secrets_come_from_files_never_inline(services, compose, name):
    env = services[name]["environment"]
    for secret in (
        "SECRET_KEY",
        "FAIRTRAIL_MASTER_KEY",
        "FAIRTRAIL_SIGNING_KEY",
        "DATABASE_URL",
        "STORAGE_SECRET_ACCESS_KEY",
    ):
        assert secret not in env, f"{secret} must not be inline in {name}"
        path = env[f"{secret}_FILE"]
        assert path.startswith("/run/secrets/")
        secret_name = path.removeprefix("/run/secrets/")
        assert secret_name in services[name]["secrets"]
        assert compose["secrets"][secret_name]["file"].startswith("./secrets/")


def test_no_password_is_written_in_the_compose_file(compose):
    text = yaml.safe_dump(compose)
    assert not re.search(r"(PASSWORD|SECRET_KEY|SECRET_ACCESS_KEY)\s*:\s*(?!/run/secrets)\S", text)
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == (
        "/run/secrets/postgres_password"
    )


def test_app_services_wait_for_healthy_dependencies_and_migrations(services):
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["minio-init"]["condition"] == "service_completed_successfully"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_web_is_published_on_loopback_only(services):
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_data_services_keep_their_data_in_volumes(compose, services):
    for name in ("postgres", "redis", "minio"):
        volume = services[name]["volumes"][0].split(":")[0]
        assert volume in compose["volumes"]


def test_secret_files_are_git_and_docker_ignored():
    assert "/secrets/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "secrets" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def test_dockerfile_runs_as_a_non_root_user_from_the_lock():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users, "the image must switch to a non-root user"
    assert users[-1] not in {"root", "0"}
    assert re.search(rf"useradd .*{users[-1]}", text, flags=re.DOTALL)
    assert "--require-hashes" in text
    assert "requirements/lock.txt" in text
    assert re.search(r"^FROM python:3\.11", text, flags=re.MULTILINE)
    assert "backend.config.settings.production" in text


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "data", ".env"):
        assert entry in ignored


# --- the lock the image and `make` install --------------------------------------------------


def test_the_lock_pins_every_declared_dependency_with_hashes():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_lock.py")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9._-]+)==\S+ \\$", lock, flags=re.MULTILINE)
    assert len(pins) >= 50
    assert lock.count("--hash=sha256:") >= len(pins)
    assert "--index-url" not in lock and "--find-links" not in lock


def test_make_targets_call_the_scripts():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target, script in (("run", "scripts/run.sh"), ("test", "scripts/test.sh")):
        assert re.search(rf"^{target}:\n\t{re.escape(script)}$", makefile, flags=re.MULTILINE)
    for script in ("bootstrap.sh", "run.sh", "test.sh", "lock.sh", "compose-secrets.sh"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111, f"{script} is not executable"
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111


def test_postgres_runs_with_the_settings_the_purge_benchmark_measures(services):
    """docs/operations.md recommends them; bench_retention.py --server tuned measures them."""
    from bench.bench_retention import TUNED_SETTINGS

    command = services["postgres"]["command"]
    assert command[0] == "postgres"
    assert set(command[1::2]) == {"-c"}
    assert dict(arg.split("=", 1) for arg in command[2::2]) == TUNED_SETTINGS
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name, value in TUNED_SETTINGS.items():
        assert f"`{name}`" in operations and f"`{value}`" in operations
