"""Fail when pyproject.toml names a dependency that requirements/lock.txt does not pin.

Run by scripts/bootstrap.sh with the system python3.11 (stdlib only), so that adding a package to
pyproject.toml without regenerating the lock is caught before anything is installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        wanted.extend(extra)
    pinned = set()
    for line in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            pinned.add(canonical(line.split("==", 1)[0].strip()))
    missing = sorted({canonical(m[1]) for spec in wanted if (m := NAME.match(spec))} - pinned)
    if missing:
        print(
            "requirements/lock.txt is out of date: not pinned: " + ", ".join(missing) + "\n"
            "Regenerate it with scripts/lock.sh (see README, 'Dependencies').",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
