"""The plan model: validation against botocore, references, ordering, and the bash script rendering."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from wizard.plans.model import ApiCall, Plan, PlanError, Ref, Risk, order_plans
from wizard.plans.script import ScriptSource, render_plans_json, render_script

SOURCE = ScriptSource("123456789012", datetime(2026, 12, 1, tzinfo=UTC), ["us-east-1"])


def key_then_trail() -> Plan:
    return Plan(
        id="trail-kms",
        control_ids=("2.7",),
        title="Encrypt the trail with a new KMS key",
        steps=(
            ApiCall(
                "create-key",
                "kms",
                "CreateKey",
                {"Description": "CloudTrail logs"},
                "us-east-1",
                "create a key CloudTrail may use",
            ),
            ApiCall(
                "use-key",
                "cloudtrail",
                "UpdateTrail",
                {"Name": "main", "KmsKeyId": Ref("create-key", "KeyMetadata.Arn", "trail_key_arn")},
                "us-east-1",
                "encrypt the trail's log files",
            ),
        ),
    )


def test_calls_are_validated_against_botocore_when_built() -> None:
    with pytest.raises(PlanError, match='Unknown parameter in input: "MinLength"'):
        ApiCall("p", "iam", "UpdateAccountPasswordPolicy", {"MinLength": 14}, "us-east-1", "x")
    with pytest.raises(PlanError, match="Invalid type for parameter MinimumPasswordLength"):
        ApiCall("p", "iam", "UpdateAccountPasswordPolicy", {"MinimumPasswordLength": "14"}, "us-east-1", "x")
    with pytest.raises(PlanError, match="not an AWS API operation"):
        ApiCall("p", "iam", "UpdatePasswordPolicy", {}, "us-east-1", "x")
    with pytest.raises(PlanError, match="Missing required parameter"):
        ApiCall("p", "cloudtrail", "StartLogging", {}, "us-east-1", "x")


def test_references_show_by_name_and_resolve_at_run_time() -> None:
    plan = key_then_trail()
    step = plan.steps[1]
    assert step.cli() == 'aws cloudtrail update-trail --name main --kms-key-id "${trail_key_arn}" --region us-east-1'
    responses = {"create-key": {"KeyMetadata": {"Arn": "arn:aws:kms:us-east-1:1:key/abc"}}}
    assert step.resolved_params(responses) == {"Name": "main", "KmsKeyId": "arn:aws:kms:us-east-1:1:key/abc"}


def test_a_reference_to_a_later_step_is_refused() -> None:
    steps = tuple(reversed(key_then_trail().steps))
    with pytest.raises(PlanError, match="before it runs"):
        Plan("bad", ("2.7",), "bad", steps)


def test_plan_risk_and_iam_actions() -> None:
    plan = Plan(
        "p",
        ("1.3",),
        "t",
        (
            ApiCall(
                "a",
                "iam",
                "UpdateAccessKey",
                {"UserName": "u", "AccessKeyId": "AKIAEXAMPLE0000000", "Status": "Inactive"},
                "us-east-1",
                "deactivate",
                Risk.DISRUPTIVE,
            ),
            ApiCall("b", "iam", "DeleteLoginProfile", {"UserName": "u"}, "us-east-1", "delete", Risk.IRREVERSIBLE),
        ),
    )
    assert plan.risk is Risk.IRREVERSIBLE
    assert plan.iam_actions() == ("iam:DeleteLoginProfile", "iam:UpdateAccessKey")


def test_plans_are_ordered_by_what_they_require() -> None:
    trail = Plan("cloudtrail", ("2.1",), "t", ())
    logs = Plan("trail-logs", ("2.4",), "t", (), requires=("cloudtrail",))
    alarms = Plan("alarms", ("3.1",), "t", (), requires=("trail-logs",))
    assert [p.id for p in order_plans([alarms, logs, trail])] == ["cloudtrail", "trail-logs", "alarms"]
    with pytest.raises(PlanError, match="circle"):
        order_plans([Plan("a", (), "", (), requires=("b",)), Plan("b", (), "", (), requires=("a",))])


def test_script_is_valid_bash_with_captured_references() -> None:
    script = render_script([key_then_trail()], SOURCE)
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    assert (
        "trail_key_arn=$(aws kms create-key --description 'CloudTrail logs' --region us-east-1 "
        "--query KeyMetadata.Arn --output text)"
    ) in script
    assert 'aws cloudtrail update-trail --name main --kms-key-id "${trail_key_arn}" --region us-east-1' in script
    bash = shutil.which("bash")
    assert bash
    assert subprocess.run([bash, "-n"], input=script, text=True, capture_output=True).returncode == 0


def test_json_rendering_names_every_call() -> None:
    import json

    data = json.loads(render_plans_json([key_then_trail()], SOURCE))
    steps = data["plans"][0]["steps"]
    assert [s["operation"] for s in steps] == ["CreateKey", "UpdateTrail"]
    assert steps[1]["params"]["KmsKeyId"] == "${trail_key_arn}"
    assert data["plans"][0]["iam_actions"] == ["cloudtrail:UpdateTrail", "kms:CreateKey"]
