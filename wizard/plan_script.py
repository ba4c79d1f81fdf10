"""Plans as a runnable bash script of `aws` commands, and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from wizard import __version__
from wizard.cli_render import cli_tokens, shell_quote
from wizard.plans import ApiCall, Plan, Ref, substitute


def _jmespath(path: str) -> str:
    """Our dotted response path ("Foo.0.Bar") as the CLI's --query expression ("Foo[0].Bar")."""
    parts: list[str] = []
    for key in path.split("."):
        if key.isdigit():
            parts[-1] += f"[{key}]"
        else:
            parts.append(key)
    return ".".join(parts)


def _step_lines(step: ApiCall, captures: dict[str, list[Ref]]) -> list[str]:
    params = substitute(dict(step.params), lambda ref: "${" + ref.name + "}")
    tokens = cli_tokens(step.service, step.operation, params, step.region)
    command = " ".join(shell_quote(t) for t in tokens)
    lines = [f"# {step.purpose} [{step.risk.value}]"]
    wanted = captures.get(step.id, [])
    if not wanted:
        return [*lines, command]
    ref = wanted[0]  # a Plan allows one referenced value per step
    query = " ".join(shell_quote(t) for t in ("--query", _jmespath(ref.path), "--output", "text"))
    return [*lines, f"{ref.name}=$({command} {query})"]


def render_script(plans: Sequence[Plan], account_id: str, profile_hint: str = "") -> str:
    """A bash script of exactly the plans' calls, in order; values from earlier steps flow through variables."""
    lines = [
        "#!/usr/bin/env bash",
        f"# cis-wizard {__version__}: fix plans for account {account_id}, "
        f"generated {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}.",
        "# Review every command before running it. Credentials come from your AWS CLI configuration"
        + (f" ({profile_hint})." if profile_hint else "."),
        "set -euo pipefail",
        "",
    ]
    for plan in plans:
        if plan.is_empty:
            continue
        captures: dict[str, list[Ref]] = {}
        for step in plan.steps:
            for ref in step.refs:
                captures.setdefault(ref.step, [])
                if ref not in captures[ref.step]:
                    captures[ref.step].append(ref)
        lines.append(f"# ---- {', '.join(plan.control_ids)}: {plan.title} (risk: {plan.risk.value})")
        lines += [f"# note: {note}" for note in plan.notes]
        for step in plan.steps:
            lines += _step_lines(step, captures)
        lines.append("")
    return "\n".join(lines) + "\n"


def render_plans_json(plans: Sequence[Plan], account_id: str) -> str:
    return json.dumps({"account_id": account_id, "plans": [p.to_dict() for p in plans]}, indent=2) + "\n"
