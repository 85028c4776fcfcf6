"""Twelve-factor configuration helpers.

Every setting comes from an environment variable; a ``.env`` file in the project root is read
first if present (real environment variables win). Secrets may be given as ``NAME_FILE`` pointing
at a file whose content is the value (Docker/Kubernetes secrets), like healthchecks' ``envsecret``.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def load_dotenv(path: Path = BASE_DIR / ".env") -> None:
    """Read KEY=VALUE lines from ``path`` into os.environ without overriding what is set."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def env(name: str, default: str | None = None) -> str | None:
    """The value of ``name``, or the content of the file named by ``NAME_FILE``, or ``default``."""
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
