"""What a person types into a record (a waiver's reason, an attestation's statement): one line, not blank,
not too long. Each kind of record says how it refuses."""

from __future__ import annotations

from collections.abc import Callable


def entered_text(value: str, what: str, limit: int, *, record: str, refuse: Callable[[str], Exception]) -> str:
    """`value` with its white space folded to single spaces; `refuse(message)` is raised when it is blank
    ("a waiver needs a reason.") or longer than `limit`."""
    text = " ".join((value or "").split())
    if not text:
        raise refuse(f"{record} needs {what}.")
    if len(text) > limit:
        raise refuse(f"{what} is longer than {limit} characters.")
    return text
