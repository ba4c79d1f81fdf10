"""`cis-wizard permissions`: the policies derived from the code cover every call the audit and fixes make."""

from __future__ import annotations

import json

from actions.options import FixOptions
from actions.workflow import prepare_fixes
from tests.conftest import run_cli
from wizard.audit import run_audit
from wizard.aws_context import AwsContext, AwsSettings
from wizard.catalog import load_catalog
from wizard.cli_render import service_model
from wizard.permissions import policy_document
from wizard.sandbox import start_sandbox


def allowed(mode: str) -> set[str]:
    return set(policy_document(mode)["Statement"][0]["Action"])  # type: ignore[index]


def test_every_operation_the_audit_calls_is_in_the_audit_policy() -> None:
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as sandbox:
        ctx = AwsContext(
            AwsSettings(region="us-east-1", regions="us-east-1,eu-west-1", endpoint_url=sandbox.endpoint_url),
            session=sandbox.session(),
        )
        run_audit(ctx, list(load_catalog()), ctx.resolve_regions())
        ctx.client("iam").list_account_aliases()
    by_service_id = {}
    for name in (
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
    ):
        by_service_id[service_model(name).metadata["serviceId"].replace(" ", "-").lower()] = name
    policy = allowed("audit")
    from wizard.cli_render import iam_action

    called = {iam_action(by_service_id[key.split(":")[0]], key.split(":")[1]) for key in ctx.counter.by_operation}
    assert called - policy == set()
    assert not [a for a in policy if not a.split(":")[1].startswith(("Get", "List", "Describe", "Generate"))]


def test_every_call_of_every_plan_and_its_undo_is_in_the_fix_policy() -> None:
    options = FixOptions(
        alarm_endpoint="sec@example.com",
        security_contact_name="Sec",
        security_contact_email="s@e.com",
        security_contact_phone="+15555550100",
        security_contact_title="Security",
    )
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as sandbox:
        ctx = AwsContext(
            AwsSettings(region="us-east-1", regions="us-east-1,eu-west-1", endpoint_url=sandbox.endpoint_url),
            session=sandbox.session(),
        )
        selection = prepare_fixes(ctx, None, options, ctx.resolve_regions())
    needed = {step.action for plan in selection.plans for step in (*plan.steps, *plan.undo)}
    assert len(needed) > 30
    assert needed - allowed("fix") == set()


def test_the_command_prints_a_valid_policy() -> None:
    proc = run_cli("permissions", "--mode", "audit")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert "iam:GenerateCredentialReport" in document["Statement"][0]["Action"]
    assert run_cli("permissions", "--mode", "everything").returncode == 2
