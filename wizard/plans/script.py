"""Plans as a runnable bash script of `aws` commands, and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from wizard import __version__
from wizard.aws.cli_commands import shell_quote
from wizard.inert_text import inert
from wizard.plans.model import ApiCall, Plan, Ref


def _jmespath(path: str) -> str:
    """Our dotted response path ("Foo.0.Bar") as the CLI's --query expression ("Foo[0].Bar")."""
    parts: list[str] = []
    for key in path.split("."):
        if key.isdigit():
            parts[-1] += f"[{key}]"
        else:
            parts.append(key)
    return ".".join(parts)


def _comment(text: str) -> str:
    """One line of a bash comment: text from AWS stays inside it (no newline can end the comment, no
    escape sequence reaches a terminal that shows the script)."""
    return inert(text, one_line=True)


def _step_lines(step: ApiCall, captures: dict[str, list[Ref]]) -> list[str]:
    command = step.cli()
    lines = [f"# {_comment(step.purpose)} [{step.risk.value}]"]
    wanted = captures.get(step.id, [])
    if not wanted:
        return [*lines, command]
    ref = wanted[0]  # a Plan allows one referenced value per step
    query = " ".join(shell_quote(t) for t in ("--query", _jmespath(ref.path), "--output", "text"))
    return [*lines, f"{ref.name}=$({command} {query})"]


@dataclass(frozen=True)
class ScriptSource:
    """What the plans were made from: the account, the audit's time and regions, and what was left out."""

    account_id: str
    audited_at: datetime
    regions: Sequence[str]
    not_planned: Sequence[tuple[str, str]] = ()  # (control id, why nothing in the script fixes it)
    profile_hint: str = ""


def _header(source: ScriptSource) -> list[str]:
    lines = [
        "#!/usr/bin/env bash",
        f"# cis-wizard {__version__}: fix plans for account {source.account_id}, "
        f"generated {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}",
        f"# from the audit of {source.audited_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} over {len(source.regions)} "
        f"region(s): {_comment(', '.join(source.regions))}.",
        "# It is valid only for the account as it was then: if anything changed since, make the script again",
        "# (cis-wizard plan), or use cis-wizard apply, which reads the account again before each plan.",
        "# Review every command before running it. Credentials come from your AWS CLI configuration"
        + (f" ({_comment(source.profile_hint)})." if source.profile_hint else "."),
    ]
    if source.not_planned:
        lines += ["#", "# NOT IN THIS SCRIPT: these failing controls stay failing after it runs:"]
        lines += [f"#   {control_id}: {_comment(why)}" for control_id, why in source.not_planned]
    return [*lines, "set -euo pipefail", ""]


def render_script(plans: Sequence[Plan], source: ScriptSource) -> str:
    """A bash script of exactly the plans' calls, in order; values from earlier steps flow through variables."""
    lines = _header(source)
    for plan in plans:
        if plan.is_empty:
            continue
        captures: dict[str, list[Ref]] = {}
        for step in plan.steps:
            for ref in step.refs:
                captures.setdefault(ref.step, [])
                if ref not in captures[ref.step]:
                    captures[ref.step].append(ref)
        lines.append(f"# ---- {', '.join(plan.control_ids)}: {_comment(plan.title)} (risk: {plan.risk.value})")
        lines += [f"# note: {_comment(note)}" for note in plan.notes]
        for step in plan.steps:
            lines += _step_lines(step, captures)
        lines.append("")
    return "\n".join(lines) + "\n"


def render_plans_json(plans: Sequence[Plan], source: ScriptSource) -> str:
    return (
        json.dumps(
            {
                "account_id": source.account_id,
                "audited_at": source.audited_at.astimezone(UTC).isoformat(),
                "regions": list(source.regions),
                "plans": [p.to_dict() for p in plans],
                "not_planned": [{"control": c, "reason": why} for c, why in source.not_planned],
            },
            indent=2,
        )
        + "\n"
    )
