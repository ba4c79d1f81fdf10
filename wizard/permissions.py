"""The IAM policy the wizard needs, derived from the code that makes the calls (never a hand-kept list).

The read calls are found in wizard/collectors (every `api.call/paginate/paginate_keys("service", "Operation")`)
and, for fixes, in actions/fixes (every `ApiCall(id, "service", "Operation", ...)` and `inventory.fetch(...)`).
Each operation's IAM actions come from AWS's Service Authorization Reference (wizard.iam_actions).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

from wizard.cli_render import service_model
from wizard.iam_actions import iam_actions_for

ROOT = Path(__file__).resolve().parent.parent
READ_SOURCES = (ROOT / "wizard" / "collectors",)
FIX_SOURCES = (ROOT / "actions" / "fixes",)
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


def _plan_operations(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """In a fix module, every string naming an operation of a service the module names: plans build their
    ApiCalls from literals, sometimes through a table (revoke/authorize per direction)."""
    constants = {
        node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    for service in constants & SERVICES:
        model_operations = set(service_model(service).operation_names)
        for operation in constants & model_operations:
            yield service, operation


def _calls_in(path: Path, with_plans: bool) -> Iterator[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from _read_calls(node)
    if with_plans:
        yield from _plan_operations(tree)


def operations(mode: str) -> set[tuple[str, str]]:
    """(service, operation) pairs the audit makes, and for mode "fix" also those the fixes make."""
    found = set(CONTEXT_CALLS)
    sources = [*READ_SOURCES, *(FIX_SOURCES if mode == "fix" else ())]
    for folder in sources:
        for path in sorted(folder.glob("*.py")):
            found.update(_calls_in(path, with_plans=mode == "fix"))
    return found


def policy_document(mode: str) -> dict[str, object]:
    """Every IAM action the calls need, named as AWS's catalog names them (wizard.iam_actions)."""
    actions = sorted({action for service, op in operations(mode) for action in iam_actions_for(service, op)})
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": f"CisWizard{mode.capitalize()}", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def render_policy(mode: str) -> str:
    return json.dumps(policy_document(mode), indent=2) + "\n"
