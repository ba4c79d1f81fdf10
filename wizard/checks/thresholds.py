"""The benchmark's numbers, in one place: the checks judge by them, and a fix option may only be stricter."""

from __future__ import annotations

from typing import Final

ROOT_USE_WINDOW_DAYS: Final = 90  # 1.1: a root sign-in or key use this recent is a use to explain
UNUSED_CREDENTIAL_DAYS: Final = 90  # 1.3: a password or key unused this long is disabled
KEY_ROTATION_DAYS: Final = 90  # 1.4: an active key older than this is rotated
MIN_PASSWORD_LENGTH: Final = 14  # 1.9
PASSWORD_REUSE_PREVENTION: Final = 24  # 1.10 (also the most AWS allows)
MAX_PASSWORD_AGE_DAYS: Final = 90  # 1.11
