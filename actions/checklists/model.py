"""Guided checklists as validated data: what only the AWS console, or a person, can do.

`checklists.json` beside this module holds one checklist per control: the steps in order, each with the
console page to open (a deep link; `{region}` is filled in with the region of the resources concerned), the
warnings that matter, and how the checklist completes:

* `check` — when the control's check passes (PASS, or NOT_APPLICABLE: nothing left to fix);
* `attestation` — when a named person attests (no API can see it: 1.15);
* `check-or-attestation` — when the check passes, or by attestation while the check shows what
  `attest_when` names (1.17 where the contact API is unsupported; 4.4 after a person has seen the routes).

Validated when loaded, like the catalog: an unknown field, a control without a check, a link that is not an
https AWS page, or a sandbox stand-in call that botocore would reject fails the load (and the tests).
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

from wizard.audit.findings import Finding, Status
from wizard.catalog import UnknownControlError, control_id_key, load_catalog
from wizard.checks import CHECKS
from wizard.plans.model import ApiCall, PlanError

__all__ = [
    "AttestWhen",
    "Checklist",
    "ChecklistError",
    "ChecklistStep",
    "Completion",
    "CompletionMode",
    "SandboxStandIn",
    "UnknownChecklistError",
    "get_checklist",
    "has_checklist",
    "load_checklists",
    "parse_checklists",
]

FILE_VERSION: Final = 1
PASSING: Final = frozenset({Status.PASS, Status.NOT_APPLICABLE})
_STEP_ID = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
_LINK_PLACEHOLDERS: Final = frozenset({"region"})
_CALL_PLACEHOLDERS: Final = frozenset({"account", "region", "partition"})
_SAMPLE = {"account": "123456789012", "region": "us-east-1", "partition": "aws"}
_AWS_HOSTS = ("amazon.com", "amazonaws.com")

_CHECKLIST_FIELDS: Final = frozenset({"control", "title", "summary", "completion", "warnings", "steps"})
_STEP_FIELDS: Final = frozenset({"id", "title", "text", "link", "warnings", "sandbox"})
_COMPLETION_FIELDS: Final = frozenset({"mode", "check", "attest_when", "statement", "note"})
_ATTEST_WHEN_FIELDS: Final = frozenset({"statuses", "error_codes"})
_STAND_IN_FIELDS: Final = frozenset({"service", "operation", "params", "explain"})


class ChecklistError(ValueError):
    """The checklist data is malformed; names the checklist and field at fault."""

    def __init__(self, message: str, *, control_id: str | None = None, field: str | None = None) -> None:
        where = [part for part in (f"checklist {control_id}" if control_id else None, field and f"{field!r}") if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.control_id = control_id
        self.field = field


class UnknownChecklistError(LookupError):
    """No checklist for this control (it has an automatic fix, or is not a benchmark control)."""


class CompletionMode(enum.StrEnum):
    CHECK = "check"
    ATTESTATION = "attestation"
    CHECK_OR_ATTESTATION = "check-or-attestation"


@dataclass(frozen=True)
class AttestWhen:
    """The findings an attestation may complete: these statuses, and for ERROR only these error codes."""

    statuses: frozenset[Status]
    error_codes: frozenset[str] = frozenset()

    def allows(self, finding: Finding) -> bool:
        if finding.status not in self.statuses:
            return False
        if finding.status is Status.ERROR and self.error_codes:
            return (finding.error_code or "") in self.error_codes
        return True


@dataclass(frozen=True)
class Completion:
    mode: CompletionMode
    check: str  # the control whose check confirms (or, for attestation, shows) the result
    note: str  # one sentence for people: how this checklist completes
    attest_when: AttestWhen | None = None
    statement: str | None = None  # the attestation offered, for the person to confirm or edit

    @property
    def accepts_attestation(self) -> bool:
        return self.mode is not CompletionMode.CHECK

    def completes_by_check(self, finding: Finding) -> bool:
        return self.mode is not CompletionMode.ATTESTATION and finding.status in PASSING

    def allows_attestation(self, finding: Finding) -> bool:
        return self.attest_when is not None and self.attest_when.allows(finding)


@dataclass(frozen=True)
class SandboxStandIn:
    """Against the sandbox there is no console: the API call that has the console step's effect there."""

    service: str
    operation: str
    params: Mapping[str, Any]
    explain: str

    def api_call(self, *, account_id: str, region: str, partition: str = "aws") -> ApiCall:
        values = {"account": account_id, "region": region, "partition": partition}
        params = _fill(dict(self.params), values)
        return ApiCall("sandbox-stand-in", self.service, self.operation, params, region, self.explain)


@dataclass(frozen=True)
class ChecklistStep:
    id: str
    title: str
    text: str
    link: str | None
    warnings: tuple[str, ...]
    sandbox: SandboxStandIn | None = None

    def link_for(self, region: str) -> str | None:
        """The deep link, with `{region}` filled in."""
        return self.link.replace("{region}", region) if self.link else None


@dataclass(frozen=True)
class Checklist:
    control_id: str
    title: str
    summary: str
    completion: Completion
    warnings: tuple[str, ...]
    steps: tuple[ChecklistStep, ...]

    def step(self, step_id: str) -> ChecklistStep:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"checklist {self.control_id} has no step {step_id!r}")

    def step_number(self, step_id: str) -> int:
        """1-based position of the step, for "Step 2 of 5"."""
        return [s.id for s in self.steps].index(step_id) + 1


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


# -- validation ----------------------------------------------------------------------------------------------
def _text(value: Any, cid: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ChecklistError("must be non-empty text", control_id=cid, field=name)
    return value.strip()


def _texts(value: Any, cid: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ChecklistError("must be a list of text", control_id=cid, field=name)
    return tuple(_text(item, cid, name) for item in value)


def _fields(raw: Any, allowed: frozenset[str], required: frozenset[str], cid: str, name: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ChecklistError("must be an object", control_id=cid, field=name)
    unknown = sorted(raw.keys() - allowed)
    if unknown:
        raise ChecklistError("unknown field", control_id=cid, field=f"{name}.{unknown[0]}" if name else unknown[0])
    missing = sorted(required - raw.keys())
    if missing:
        raise ChecklistError("missing field", control_id=cid, field=f"{name}.{missing[0]}" if name else missing[0])
    return raw


def _placeholders(text: str, allowed: frozenset[str], cid: str, name: str) -> None:
    for found in _PLACEHOLDER.findall(text):
        if found not in allowed:
            raise ChecklistError(f"unknown placeholder {{{found}}}", control_id=cid, field=name)


def _link(value: Any, cid: str, name: str) -> str | None:
    if value is None:
        return None
    link = _text(value, cid, name)
    _placeholders(link, _LINK_PLACEHOLDERS, cid, name)
    parts = urlsplit(link.replace("{region}", "us-east-1"))
    host = parts.hostname or ""
    if parts.scheme != "https" or not any(host == h or host.endswith("." + h) for h in _AWS_HOSTS) or " " in link:
        raise ChecklistError(f"{link!r} is not an https link to an AWS page", control_id=cid, field=name)
    return link


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings_in(v)]
    return []


def _stand_in(raw: Any, cid: str, name: str) -> SandboxStandIn | None:
    if raw is None:
        return None
    data = _fields(raw, _STAND_IN_FIELDS, _STAND_IN_FIELDS, cid, name)
    if not isinstance(data["params"], dict):
        raise ChecklistError("must be an object", control_id=cid, field=f"{name}.params")
    for text in _strings_in(data["params"]):
        _placeholders(text, _CALL_PLACEHOLDERS, cid, f"{name}.params")
    stand_in = SandboxStandIn(
        _text(data["service"], cid, f"{name}.service"),
        _text(data["operation"], cid, f"{name}.operation"),
        MappingProxyType(dict(data["params"])),
        _text(data["explain"], cid, f"{name}.explain"),
    )
    try:
        stand_in.api_call(account_id=_SAMPLE["account"], region=_SAMPLE["region"])
    except PlanError as error:
        raise ChecklistError(str(error), control_id=cid, field=name) from error
    return stand_in


def _step(raw: Any, index: int, cid: str) -> ChecklistStep:
    name = f"steps[{index}]"
    data = _fields(raw, _STEP_FIELDS, frozenset({"id", "title", "text"}), cid, name)
    step_id = _text(data["id"], cid, f"{name}.id")
    if not _STEP_ID.match(step_id):
        raise ChecklistError("must be a short slug like 'assign-hardware'", control_id=cid, field=f"{name}.id")
    return ChecklistStep(
        id=step_id,
        title=_text(data["title"], cid, f"{name}.title"),
        text=_text(data["text"], cid, f"{name}.text"),
        link=_link(data.get("link"), cid, f"{name}.link"),
        warnings=_texts(data.get("warnings", []), cid, f"{name}.warnings"),
        sandbox=_stand_in(data.get("sandbox"), cid, f"{name}.sandbox"),
    )


def _attest_when(raw: Any, cid: str) -> AttestWhen:
    data = _fields(raw, _ATTEST_WHEN_FIELDS, frozenset({"statuses"}), cid, "completion.attest_when")
    statuses = _texts(data["statuses"], cid, "completion.attest_when.statuses")
    try:
        parsed = frozenset(Status(s) for s in statuses)
    except ValueError as error:
        raise ChecklistError(str(error), control_id=cid, field="completion.attest_when.statuses") from error
    if not parsed or parsed & PASSING:
        raise ChecklistError(
            "must name the non-passing statuses an attestation may complete", control_id=cid, field="attest_when"
        )
    codes = frozenset(_texts(data.get("error_codes", []), cid, "completion.attest_when.error_codes"))
    return AttestWhen(parsed, codes)


def _completion(raw: Any, cid: str) -> Completion:
    data = _fields(raw, _COMPLETION_FIELDS, frozenset({"mode", "check", "note"}), cid, "completion")
    try:
        mode = CompletionMode(data["mode"])
    except ValueError as error:
        modes = ", ".join(m.value for m in CompletionMode)
        raise ChecklistError(f"must be one of {modes}", control_id=cid, field="completion.mode") from error
    check = _text(data["check"], cid, "completion.check")
    if check not in CHECKS:
        raise ChecklistError(f"{check!r} has no check", control_id=cid, field="completion.check")
    attests = mode is not CompletionMode.CHECK
    if attests != ("attest_when" in data) or attests != ("statement" in data):
        what = "needs" if attests else "must not have"
        raise ChecklistError(f"a {mode.value} checklist {what} attest_when and statement", control_id=cid)
    return Completion(
        mode=mode,
        check=check,
        note=_text(data["note"], cid, "completion.note"),
        attest_when=_attest_when(data["attest_when"], cid) if attests else None,
        statement=_text(data["statement"], cid, "completion.statement") if attests else None,
    )


def _checklist(raw: Any, index: int) -> Checklist:
    label = str(raw["control"]) if isinstance(raw, dict) and isinstance(raw.get("control"), str) else f"#{index}"
    data = _fields(raw, _CHECKLIST_FIELDS, _CHECKLIST_FIELDS - {"warnings"}, label, "")
    try:
        cid = load_catalog().get(_text(data["control"], label, "control")).id
    except UnknownControlError as error:
        raise ChecklistError(str(error), control_id=label, field="control") from error
    if not isinstance(data["steps"], list) or not data["steps"]:
        raise ChecklistError("must be a non-empty list", control_id=cid, field="steps")
    steps = tuple(_step(step, i, cid) for i, step in enumerate(data["steps"]))
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise ChecklistError("step ids must be unique", control_id=cid, field="steps")
    return Checklist(
        control_id=cid,
        title=_text(data["title"], cid, "title"),
        summary=_text(data["summary"], cid, "summary"),
        completion=_completion(data["completion"], cid),
        warnings=_texts(data.get("warnings", []), cid, "warnings"),
        steps=steps,
    )


def parse_checklists(data: Any) -> Mapping[str, Checklist]:
    """Validate decoded checklist JSON; the checklists by control id, in benchmark order."""
    if not isinstance(data, dict) or data.get("version") != FILE_VERSION:
        raise ChecklistError(f"checklists must be a JSON object with version {FILE_VERSION}")
    raw = data.get("checklists")
    if not isinstance(raw, list) or not raw:
        raise ChecklistError("'checklists' must be a non-empty list")
    found: dict[str, Checklist] = {}
    for index, item in enumerate(raw):
        checklist = _checklist(item, index)
        if checklist.control_id in found:
            raise ChecklistError("a second checklist for this control", control_id=checklist.control_id)
        found[checklist.control_id] = checklist
    return MappingProxyType({cid: found[cid] for cid in sorted(found, key=control_id_key)})


@functools.cache
def load_checklists() -> Mapping[str, Checklist]:
    """The packaged checklists, validated (cached; immutable)."""
    resource = resources.files("actions.checklists").joinpath("checklists.json")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ChecklistError(f"checklists.json is not valid JSON: {error}") from error
    return parse_checklists(data)


def has_checklist(control_id: str) -> bool:
    return control_id.strip() in load_checklists()


def get_checklist(control_id: str) -> Checklist:
    """The control's checklist; UnknownChecklistError (naming the controls that have one) otherwise."""
    checklists = load_checklists()
    found = checklists.get(control_id.strip())
    if found is None:
        raise UnknownChecklistError(
            f"control {control_id.strip()!r} has no guided checklist (checklists: {', '.join(checklists)})"
        )
    return found
