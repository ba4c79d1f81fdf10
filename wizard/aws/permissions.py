"""The IAM policy the wizard needs: the audit's, derived from the code that makes the reads, and for fixes
the actions each fix declares where it is registered (actions.registry; the tests check every call of every
plan and undo against its fix's declaration).

The audit's read calls are found in wizard/collectors (every `api.call/paginate/paginate_keys("service",
"Operation")`). Each operation's IAM actions come from AWS's Service Authorization Reference (wizard.aws.iam_actions).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from wizard.aws.iam_actions import iam_actions_for

WIZARD = Path(__file__).resolve().parent.parent
READ_SOURCES = (WIZARD / "collectors",)
READ_METHODS = {"call", "paginate", "paginate_keys", "fetch"}
# Calls made outside the collectors, by the AWS context itself (who am I, which regions, the alias).
SERVICES = frozenset(
    {"iam", "sts", "ec2", "kms", "s3", "s3control", "cloudtrail", "config", "logs", "cloudwatch", "sns", "account"}
)
CONTEXT_CALLS = (("sts", "GetCallerIdentity"), ("ec2", "DescribeRegions"), ("iam", "ListAccountAliases"))


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _read_calls(node: ast.Call) -> Iterator[tuple[str, str]]:
    """`api.call("s3", "GetBucketAcl", ...)`, and the same handed to a pool: `submit(api.call, "s3", ...)`."""
    function, args = node.func, node.args
    if isinstance(function, ast.Attribute) and function.attr in READ_METHODS and len(args) >= 2:
        service, operation = _string(args[0]), _string(args[1])
        if service and operation:
            yield service, operation
    for index, arg in enumerate(args[:-2]):
        if isinstance(arg, ast.Attribute) and arg.attr in READ_METHODS:
            service, operation = _string(args[index + 1]), _string(args[index + 2])
            if service and operation:
                yield service, operation


def _calls_in(path: Path) -> Iterator[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from _read_calls(node)


def operations() -> set[tuple[str, str]]:
    """(service, operation) pairs the audit makes."""
    found = set(CONTEXT_CALLS)
    for folder in READ_SOURCES:
        for path in sorted(folder.glob("*.py")):
            found.update(_calls_in(path))
    return found


def audit_actions() -> set[str]:
    return {action for service, op in operations() for action in iam_actions_for(service, op)}


def policy_document(mode: str, fix_actions: Iterable[str] = ()) -> dict[str, object]:
    """Every IAM action the audit needs, and for mode "fix" also `fix_actions` (what the fixes declare)."""
    actions = sorted(audit_actions() | (set(fix_actions) if mode == "fix" else set()))
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": f"CisWizard{mode.capitalize()}", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def render_policy(mode: str, fix_actions: Iterable[str] = ()) -> str:
    return json.dumps(policy_document(mode, fix_actions), indent=2) + "\n"
