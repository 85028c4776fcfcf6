"""Embedded default for a laptop: SQLite, local disk, tasks in-process, DEBUG on."""

from backend.config.env import env_bool

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = env_bool("DEBUG", True)
DATA_DIR.mkdir(parents=True, exist_ok=True)
FAIRTRAIL_MASTER_KEY_PATH = FAIRTRAIL_MASTER_KEY_PATH or str(DATA_DIR / "master.key")  # noqa: F405
FAIRTRAIL_MASTER_KEY_AUTOCREATE = True
FAIRTRAIL_SIGNING_KEY_PATH = FAIRTRAIL_SIGNING_KEY_PATH or str(DATA_DIR / "signing.key")  # noqa: F405
