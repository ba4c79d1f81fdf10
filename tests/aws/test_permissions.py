"""`cis-wizard permissions`: the policies derived from the code cover every call the audit and fixes make."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from parliament import analyze_policy_string

from actions.registry import FIXES, FixContext, declared_permissions
from actions.workflow import prepare_fixes
from tests.support.cli import run_cli
from tests.support.fixing import ANSWERED
from tests.support.sandboxes import sandbox_context
from wizard.audit.run import run_audit
from wizard.aws.cli_commands import service_model
from wizard.aws.iam_actions import access_level, iam_actions_for, is_known_action
from wizard.aws.permissions import policy_document
from wizard.catalog import load_catalog
from wizard.collectors.inventory import Inventory
from wizard.plans.model import Plan
from wizard.sandbox import start_sandbox


def allowed(mode: str) -> set[str]:
    return set(policy_document(mode, declared_permissions())["Statement"][0]["Action"])  # type: ignore[index]


SERVICE_IDS = (
    "iam",
    "sts",
    "ec2",
    "kms",
    "s3",
    "s3control",
    "cloudtrail",
    "config",
    "logs",
    "cloudwatch",
    "sns",
    "account",
)


def _by_service_id() -> dict[str, str]:
    return {service_model(name).metadata["serviceId"].replace(" ", "-").lower(): name for name in SERVICE_IDS}


def called_actions(counts: Mapping[str, int]) -> set[str]:
    """The IAM actions of the operations a context counted ("<service id>:<Operation>")."""
    by_service_id = _by_service_id()
    return {action for key in counts for action in iam_actions_for(by_service_id[key.split(":")[0]], key.split(":")[1])}


def test_every_operation_the_audit_calls_is_in_the_audit_policy() -> None:
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as sandbox:
        ctx = sandbox_context(sandbox)
        run_audit(ctx, list(load_catalog()), ctx.resolve_regions())
        ctx.client("iam").list_account_aliases()
    policy = allowed("audit")
    assert called_actions(ctx.counter.by_operation) - policy == set()
    assert not [a for a in policy if not a.split(":")[1].startswith(("Get", "List", "Describe", "Generate"))]
    # Read-only as AWS classifies its actions, not only by name.
    assert {a: access_level(a) for a in policy if access_level(a) not in {"Read", "List"}} == {}


@pytest.fixture(scope="module")
def fresh_plans() -> tuple[Plan, ...]:
    """Every plan the wizard makes for a fresh two-region sandbox account."""
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as sandbox:
        ctx = sandbox_context(sandbox)
        selection = prepare_fixes(ctx, None, ANSWERED, ctx.resolve_regions())
    return tuple(selection.plans)


def test_every_call_of_every_plan_and_its_undo_is_in_the_fix_policy(fresh_plans: tuple[Plan, ...]) -> None:
    steps = [step for plan in fresh_plans for step in (*plan.steps, *plan.undo)]
    needed = {a for step in steps for a in iam_actions_for(step.service, step.operation, step.params)}
    needed |= {a for plan in fresh_plans for a in plan.iam_actions()}
    assert len(needed) > 30
    assert needed - allowed("fix") == set()
    assert {step.action for step in steps} - allowed("fix") == set()


def test_each_fix_declares_what_its_plans_undo_and_builder_need() -> None:
    """Per fix: every call of its plans and undo steps is among the permissions it declares, and every read
    its builder makes on its own (a fresh inventory) is declared or in the audit policy."""
    audit_policy = allowed("audit")
    checked: set[str] = set()
    for state in ("fresh", "hardened"):
        with start_sandbox(state, regions=["us-east-1", "eu-west-1"]) as sandbox:  # type: ignore[arg-type]
            ctx = sandbox_context(sandbox)
            selection = prepare_fixes(ctx, None, ANSWERED, ctx.resolve_regions())
            for plan in selection.plans:
                declared = set(FIXES[plan.id].permissions)
                needed = {
                    a
                    for step in (*plan.steps, *plan.undo)
                    for a in iam_actions_for(step.service, step.operation, step.params)
                }
                assert needed - declared == set(), plan.id
                checked.add(plan.id)
            for plan_id in selection.plan_ids:
                before = Counter(ctx.counter.by_operation)
                inventory = Inventory(ctx, ctx.resolve_regions())
                fix = FixContext(inventory, ANSWERED, ctx.identity(), selection.findings, selection.chosen)
                FIXES[plan_id].build(fix)
                made = Counter(ctx.counter.by_operation) - before
                assert called_actions(made) - set(FIXES[plan_id].permissions) - audit_policy == set(), plan_id
    assert len(checked) >= 15


def test_every_declared_permission_is_an_action_aws_knows() -> None:
    unknown = {(d.plan_id, a) for d in FIXES.values() for a in d.permissions if not is_known_action(a)}
    assert unknown == set()
    assert all(d.permissions for d in FIXES.values())


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _keys(item)


_TAGS = {"Tags", "TagSpecifications", "TagsList", "tags"}
_ROLE = re.compile(r"(RoleArn|roleARN|PermissionArn|CrossAccountRole)$")


def test_calls_that_tag_or_hand_over_a_role_ask_for_that_permission(fresh_plans: tuple[Plan, ...]) -> None:
    """Tags given at creation are authorized as the service's tagging action; a role handed to a service needs
    iam:PassRole. A plan that starts doing either fails here until wizard/aws/iam_actions.py says so."""
    checked = 0
    for plan in fresh_plans:
        for step in (*plan.steps, *plan.undo):
            actions = iam_actions_for(step.service, step.operation, step.params)
            keys = set(_keys(step.params))
            if keys & _TAGS:
                checked += 1
                assert [a for a in actions if access_level(a) == "Tagging"], (step.service, step.operation)
            if any(_ROLE.search(key) for key in keys):
                checked += 1
                assert "iam:PassRole" in actions, (step.service, step.operation)
    assert checked >= 3  # CreateRole with Tags, CreateFlowLogs with TagSpecifications, a trail's or Config's role


def test_the_command_prints_a_valid_policy() -> None:
    proc = run_cli("permissions", "--mode", "audit")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert "iam:GenerateCredentialReport" in document["Statement"][0]["Action"]
    assert run_cli("permissions", "--mode", "everything").returncode == 2


@pytest.mark.parametrize("mode", ["audit", "fix"])
def test_every_action_of_the_printed_policy_exists_and_parliament_agrees(mode: str) -> None:
    proc = run_cli("permissions", "--mode", mode)
    assert proc.returncode == 0, proc.stderr
    actions = json.loads(proc.stdout)["Statement"][0]["Action"]
    assert [a for a in actions if not is_known_action(a)] == []
    # parliament carries its own copy of AWS's list of actions.
    findings = analyze_policy_string(proc.stdout).findings
    unknown = [(f.issue, f.detail) for f in findings if f.issue in {"UNKNOWN_ACTION", "UNKNOWN_PREFIX"}]
    assert unknown == []
