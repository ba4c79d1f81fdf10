"""Section 2 checks made per region against moto: 2.5 AWS Config recorders, 2.8 customer key rotation, 2.9 VPC
flow logs; a failing and a passing setup each."""

from __future__ import annotations

import pytest
from moto.config.models import config_backends

from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.auditing import audit_one, reasons, statuses
from tests.support.trails import client, make_bucket
from wizard.audit.findings import Status


# -- 2.5 AWS Config in all regions ---------------------------------------------------------------------------
def start_recorder(region: str, *, all_supported: bool = True, global_types: bool = False, start: bool = True) -> None:
    config = client("config", region)
    group: dict = {"allSupported": all_supported, "includeGlobalResourceTypes": global_types}
    if not all_supported:
        group["resourceTypes"] = ["AWS::EC2::Instance"]
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/aws-config",
            "recordingGroup": group,
        }
    )
    bucket = make_bucket(f"config-{region}", region)
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    if start:
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def test_2_5_fails_per_region_without_recorder(ctx) -> None:
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {
        f"config:{HOME}": Status.FAIL,
        f"config:{OTHER}": Status.FAIL,
        "config:global-resources": Status.FAIL,
    }
    assert reasons(finding)[f"config:{OTHER}"] == "no configuration recorder"
    assert {e.operation for e in finding.evidence} == {
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
    }


def test_2_5_passes_with_recorders_everywhere_and_global_types_in_one(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"config:{HOME}": Status.PASS, f"config:{OTHER}": Status.PASS}
    assert {r.id: r.region for r in finding.resources} == {f"config:{HOME}": HOME, f"config:{OTHER}": OTHER}


def test_2_5_fails_naming_the_region_without_recorder(ctx) -> None:
    start_recorder(HOME, global_types=True)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"config:{HOME}": Status.PASS, f"config:{OTHER}": Status.FAIL}
    failing = finding.failing()[0]
    assert (failing.region, failing.reason) == (OTHER, "no configuration recorder")


@pytest.mark.parametrize(
    ("recorder", "reason"),
    [
        pytest.param({"start": False}, "recorder default not recording", id="not-started"),
        pytest.param(
            {"all_supported": False},
            "recorder does not record all supported resource types",
            id="selected-resource-types",
        ),
    ],
)
def test_2_5_fails_for_a_recorder_that_does_not_record_everything(ctx, recorder: dict, reason: str) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER, **recorder)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert reasons(finding)[f"config:{OTHER}"] == reason
    assert statuses(finding)[f"config:{HOME}"] is Status.PASS


def test_2_5_pending_right_after_start_counts_as_recording(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER)
    status = client("config", OTHER).describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert (status["recording"], status["lastStatus"]) == (True, "PENDING")
    assert audit_one(ctx, "2.5").status is Status.PASS


def test_2_5_fails_when_last_delivery_failed(ctx) -> None:
    start_recorder(HOME, global_types=True)
    start_recorder(OTHER)
    status = config_backends[ACCOUNT_ID][OTHER].recorders["default"].status  # AWS reports a failed delivery
    status.last_status = "FAILURE"
    status.last_error_code = "AccessDenied"
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert [(r.id, r.region, r.reason) for r in finding.failing()] == [
        (f"config:{OTHER}", OTHER, "recorder default last status FAILURE")
    ]


def test_2_5_fails_when_no_region_records_global_types(ctx) -> None:
    start_recorder(HOME)
    start_recorder(OTHER)
    finding = audit_one(ctx, "2.5")
    assert finding.status is Status.FAIL
    assert [(r.id, r.reason) for r in finding.failing()] == [
        ("config:global-resources", "no region records global (IAM) resource types")
    ]


# -- 2.8 customer key rotation -------------------------------------------------------------------------------
def test_2_8_fails_for_customer_key_without_rotation(ctx) -> None:
    key = client("kms", OTHER).create_key()["KeyMetadata"]["Arn"]
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {key: Status.FAIL}
    assert finding.resources[0].region == OTHER
    assert finding.resources[0].reason == "automatic rotation disabled"
    assert key.startswith(f"arn:aws:kms:{OTHER}:{ACCOUNT_ID}:key/")


def test_2_8_passes_for_rotated_key(ctx) -> None:
    kms = client("kms", OTHER)
    key = kms.create_key()["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName="alias/cloudtrail", TargetKeyId=key["KeyId"])
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.PASS
    assert statuses(finding) == {key["Arn"]: Status.PASS}
    assert "alias/cloudtrail" in finding.resources[0].reason


def test_2_8_not_applicable_without_keys(ctx) -> None:
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.resources == ()


def test_2_8_ignores_asymmetric_and_disabled_keys(ctx) -> None:
    kms = client("kms", OTHER)
    kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.resources == ()


def test_2_8_names_only_the_unrotated_key(ctx) -> None:
    home_kms = client("kms", HOME)
    rotated = home_kms.create_key()["KeyMetadata"]
    home_kms.enable_key_rotation(KeyId=rotated["KeyId"])
    unrotated = client("kms", OTHER).create_key()["KeyMetadata"]["Arn"]
    client("kms", OTHER).create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    finding = audit_one(ctx, "2.8")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {rotated["Arn"]: Status.PASS, unrotated: Status.FAIL}
    assert [(r.id, r.region) for r in finding.failing()] == [(unrotated, OTHER)]


# -- 2.9 VPC flow logs ---------------------------------------------------------------------------------------
def vpc_ids(region: str) -> list[str]:
    return [vpc["VpcId"] for vpc in client("ec2", region).describe_vpcs()["Vpcs"]]


def add_flow_logs(region: str, vpcs: list[str]) -> None:
    bucket = make_bucket(f"flow-logs-{region}", region)
    client("ec2", region).create_flow_logs(
        ResourceIds=vpcs,
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
    )


def test_2_9_fails_for_default_vpcs_without_flow_logs(ctx) -> None:
    home_vpcs, other_vpcs = vpc_ids(HOME), vpc_ids(OTHER)
    assert home_vpcs and other_vpcs
    finding = audit_one(ctx, "2.9")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {vpc: Status.FAIL for vpc in home_vpcs + other_vpcs}
    assert {r.region for r in finding.failing()} == {HOME, OTHER}
    assert all(r.reason == "no flow log" for r in finding.resources)


def test_2_9_names_the_vpc_left_without_flow_logs(ctx) -> None:
    add_flow_logs(HOME, vpc_ids(HOME))
    extra = client("ec2", HOME).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    add_flow_logs(OTHER, vpc_ids(OTHER))
    finding = audit_one(ctx, "2.9")
    assert finding.status is Status.FAIL
    assert [(r.id, r.region) for r in finding.failing()] == [(extra, HOME)]


def test_2_9_passes_with_flow_logs_for_every_vpc(ctx) -> None:
    add_flow_logs(HOME, vpc_ids(HOME))
    add_flow_logs(OTHER, vpc_ids(OTHER))
    finding = audit_one(ctx, "2.9")
    assert finding.status is Status.PASS
    assert set(statuses(finding).values()) == {Status.PASS}
    assert {r.region for r in finding.resources} == {HOME, OTHER}
    assert {"ec2:DescribeVpcs", "ec2:DescribeFlowLogs"} <= {e.operation for e in finding.evidence}
