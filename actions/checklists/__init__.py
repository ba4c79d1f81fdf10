"""Guided checklists for what only the console or a person can fix: the data (`checklists.json`, validated by
`model`) and the run (`run`): steps, "verify now", completion by check or by a named person's attestation.

For a screen:

    from actions.checklists import ChecklistRun, get_checklist, has_checklist, load_checklists
"""

from actions.checklists.model import (
    AttestWhen,
    Checklist,
    ChecklistError,
    ChecklistStep,
    Completion,
    CompletionMode,
    SandboxStandIn,
    UnknownChecklistError,
    get_checklist,
    has_checklist,
    load_checklists,
    parse_checklists,
)
from actions.checklists.run import (
    ChecklistRun,
    ChecklistStateError,
    Verification,
    VerifyOutcome,
    evaluate,
    verify_now,
)

__all__ = [
    "AttestWhen",
    "Checklist",
    "ChecklistError",
    "ChecklistRun",
    "ChecklistStateError",
    "ChecklistStep",
    "Completion",
    "CompletionMode",
    "SandboxStandIn",
    "UnknownChecklistError",
    "Verification",
    "VerifyOutcome",
    "evaluate",
    "get_checklist",
    "has_checklist",
    "load_checklists",
    "parse_checklists",
    "verify_now",
]
