"""2.5: AWS Config in every audited region, global resources recorded once."""

from __future__ import annotations

import boto3

from tests.support.auditing import audit_one
from tests.support.fixing import fix
from wizard.audit.findings import Status


def test_fresh_account_records_in_every_region_then_nothing_left(ctx) -> None:
    run = fix(ctx, "2.5")
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.PASS, finding.resources
    home = boto3.client("config", region_name="us-east-1").describe_configuration_recorders()
    other = boto3.client("config", region_name="eu-west-1").describe_configuration_recorders()
    assert home["ConfigurationRecorders"][0]["recordingGroup"]["includeGlobalResourceTypes"] is True
    assert other["ConfigurationRecorders"][0]["recordingGroup"]["includeGlobalResourceTypes"] is False
    assert fix(ctx, "2.5").selection.plans == []


def test_only_the_missing_region_is_set_up(ctx) -> None:
    fix(ctx, "2.5")
    eu = boto3.client("config", region_name="eu-west-1")
    eu.stop_configuration_recorder(ConfigurationRecorderName="default")
    assert audit_one(ctx, "2.5").status is Status.FAIL
    run = fix(ctx, "2.5")
    steps = run.selection.plans[0].steps
    assert [(s.operation, s.region) for s in steps] == [("StartConfigurationRecorder", "eu-west-1")]
    assert audit_one(ctx, "2.5").status is Status.PASS
