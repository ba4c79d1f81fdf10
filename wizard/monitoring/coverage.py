"""CIS AWS Foundations Benchmark v1.2.0 controls 3.1-3.14: metric filters matched by meaning.

A metric filter found on the CloudTrail log group "covers" a control when, evaluated against sample
CloudTrail events, it matches every event the benchmark's own pattern is meant to catch (``positives``)
and none of a set of ordinary events that no 3.x pattern matches (``UNIVERSAL_NEGATIVES``), so a
catch-all such as ``{ $.eventName = * }`` is not accepted while one filter that ORs several controls'
patterns together covers each of them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from wizard.monitoring.filter_pattern import FilterPattern, FilterPatternError, parse_filter_pattern

# The exact v1.2.0 filterPattern of each control's Audit step (PDF line wraps rejoined).
CIS_FILTER_PATTERNS: Final[dict[str, str]] = {
    "3.1": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    "3.2": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    "3.3": (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
    ),
    "3.4": (
        "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)"
        "||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)"
        "||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)"
        "||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)"
        "||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)"
        "||($.eventName=DetachGroupPolicy)}"
    ),
    "3.5": (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging) }"
    ),
    "3.6": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "3.7": ("{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"),
    "3.8": (
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
        "($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || "
        "($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || "
        "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
        "($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"
    ),
    "3.9": (
        "{ ($.eventSource = config.amazonaws.com) && "
        "(($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)"
        "||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"
    ),
    "3.10": (
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
        "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"
    ),
    "3.11": (
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
        "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
        "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"
    ),
    "3.12": (
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
        "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
        "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
    ),
    "3.13": (
        "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || "
        "($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || "
        "($.eventName = DeleteRouteTable) || "
        "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"
    ),
    "3.14": (
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
        "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
        "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
        "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
        "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"
    ),
}


@dataclass(frozen=True)
class SampleEvent:
    """A labelled CloudTrail record (as decoded from the JSON that CloudWatch Logs receives)."""

    label: str
    event: Mapping[str, Any]


@dataclass(frozen=True)
class ControlSamples:
    control_id: str
    positives: tuple[SampleEvent, ...]
    near_misses: tuple[SampleEvent, ...]


@dataclass(frozen=True)
class FilterCoverage:
    control_id: str
    covers: bool
    missing: tuple[str, ...]  # labels of positives the pattern does not match
    overbroad: tuple[str, ...]  # labels of universal negatives the pattern matches
    error: str | None  # parse error message, when the pattern does not parse


# --------------------------------------------------------------------------------------------------
# Sample CloudTrail events
# --------------------------------------------------------------------------------------------------

_ACCOUNT: Final = "111122223333"
_REGION: Final = "us-east-1"


def _identity(kind: str = "IAMUser", invoked_by: str | None = None) -> dict[str, Any]:
    identities: dict[str, dict[str, Any]] = {
        "IAMUser": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEUSERID1234",
            "arn": f"arn:aws:iam::{_ACCOUNT}:user/alice",
            "accountId": _ACCOUNT,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "userName": "alice",
        },
        "Root": {
            "type": "Root",
            "principalId": _ACCOUNT,
            "arn": f"arn:aws:iam::{_ACCOUNT}:root",
            "accountId": _ACCOUNT,
            "accessKeyId": "ASIAEXAMPLEROOTKEY01",
        },
        "AssumedRole": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEROLEID1234:ci-session",
            "arn": f"arn:aws:sts::{_ACCOUNT}:assumed-role/deploy/ci-session",
            "accountId": _ACCOUNT,
            "accessKeyId": "ASIAEXAMPLESESSION01",
        },
        "AWSService": {"accountId": _ACCOUNT},
    }
    identity = dict(identities[kind])
    if invoked_by is not None:
        identity["invokedBy"] = invoked_by
    return identity


def _event(
    source: str,
    name: str,
    *,
    identity: dict[str, Any] | None = None,
    request: dict[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
    event_type: str = "AwsApiCall",
    read_only: bool = False,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": identity if identity is not None else _identity(),
        "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": _REGION,
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6",
        "requestParameters": request,
        "responseElements": None,
        "requestID": "3f0e9b8a-0c1d-4e2f-9a3b-5c6d7e8f9a0b",
        "eventID": "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
        "readOnly": read_only,
        "eventType": event_type,
        "managementEvent": True,
        "recipientAccountId": _ACCOUNT,
    }
    if error_code is not None:
        record["errorCode"] = error_code
    if error_message is not None:
        record["errorMessage"] = error_message
    return record


def _console_login(
    *, mfa_used: str, success: bool, kind: str = "IAMUser", error_message: str = "Failed authentication"
) -> dict[str, Any]:
    identity = _identity(kind)
    identity.pop("accessKeyId", None)
    record = _event("signin.amazonaws.com", "ConsoleLogin", identity=identity, event_type="AwsConsoleSignIn")
    record["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
    record["responseElements"] = {"ConsoleLogin": "Success" if success else "Failure"}
    record["additionalEventData"] = {
        "LoginTo": "https://console.aws.amazon.com/console/home",
        "MobileVersion": "No",
        "MFAUsed": mfa_used,
    }
    if not success:
        record["errorMessage"] = error_message
    return record


def _sample(label: str, event: dict[str, Any]) -> SampleEvent:
    return SampleEvent(label, event)


def _api_samples(source: str, requests: Mapping[str, dict[str, Any]]) -> tuple[SampleEvent, ...]:
    """One successful call per event name, labelled with the event name."""
    return tuple(_sample(name, _event(source, name, request=request)) for name, request in requests.items())


_IAM: Final = "iam.amazonaws.com"
_EC2: Final = "ec2.amazonaws.com"
_S3: Final = "s3.amazonaws.com"
_KMS: Final = "kms.amazonaws.com"
_CONFIG: Final = "config.amazonaws.com"
_CLOUDTRAIL: Final = "cloudtrail.amazonaws.com"
_POLICY_ARN: Final = f"arn:aws:iam::{_ACCOUNT}:policy/app-read"
_POLICY_DOC: Final = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}'
_KEY_ID: Final = f"arn:aws:kms:{_REGION}:{_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_BUCKET: Final = {"bucketName": "example-audit-bucket", "Host": "example-audit-bucket.s3.amazonaws.com"}
_TRAIL: Final = {"name": f"arn:aws:cloudtrail:{_REGION}:{_ACCOUNT}:trail/org-trail"}


def _samples_3_1() -> ControlSamples:
    unauthorized = "You are not authorized to perform this operation. Encoded authorization failure message: x"
    positives = (
        _sample(
            "Client.UnauthorizedOperation",
            _event(_EC2, "RunInstances", error_code="Client.UnauthorizedOperation", error_message=unauthorized),
        ),
        _sample(
            "AccessDenied",
            _event(
                _S3,
                "GetBucketPolicy",
                request=dict(_BUCKET),
                error_code="AccessDenied",
                error_message="Access Denied",
                read_only=True,
            ),
        ),
        _sample(
            "AccessDeniedException",
            _event(
                _KMS,
                "Decrypt",
                request={"keyId": _KEY_ID},
                error_code="AccessDeniedException",
                error_message="User is not authorized to perform: kms:Decrypt",
                read_only=True,
            ),
        ),
    )
    near_misses = (
        _sample("successful RunInstances", _event(_EC2, "RunInstances", request={"instanceType": "t3.micro"})),
        _sample(
            "ThrottlingException",
            _event(
                _IAM,
                "ListRoles",
                error_code="ThrottlingException",
                error_message="Rate exceeded",
                read_only=True,
            ),
        ),
        _sample(
            "NoSuchBucket",
            _event(
                _S3,
                "GetBucketAcl",
                request=dict(_BUCKET),
                error_code="NoSuchBucket",
                error_message="The specified bucket does not exist",
                read_only=True,
            ),
        ),
    )
    return ControlSamples("3.1", positives, near_misses)


def _samples_3_2() -> ControlSamples:
    positives = (
        _sample("ConsoleLogin without MFA", _console_login(mfa_used="No", success=True)),
        _sample("failed ConsoleLogin without MFA", _console_login(mfa_used="No", success=False)),
        _sample("root ConsoleLogin without MFA", _console_login(mfa_used="No", success=True, kind="Root")),
    )
    near_misses = (
        _sample("ConsoleLogin with MFA", _console_login(mfa_used="Yes", success=True)),
        _sample("root ConsoleLogin with MFA", _console_login(mfa_used="Yes", success=True, kind="Root")),
        _sample("API call without MFA", _event(_EC2, "DescribeInstances", read_only=True)),
    )
    return ControlSamples("3.2", positives, near_misses)


def _samples_3_3() -> ControlSamples:
    positives = (
        _sample("root ConsoleLogin", _console_login(mfa_used="Yes", success=True, kind="Root")),
        _sample("root CreateAccessKey", _event(_IAM, "CreateAccessKey", identity=_identity("Root"))),
        _sample(
            "root DescribeInstances",
            _event(_EC2, "DescribeInstances", identity=_identity("Root"), read_only=True),
        ),
    )
    near_misses = (
        _sample(
            "root call invoked by a service",
            _event(
                _S3,
                "GetBucketLocation",
                identity=_identity("Root", invoked_by="support.amazonaws.com"),
                request=dict(_BUCKET),
                read_only=True,
            ),
        ),
        _sample(
            "root AwsServiceEvent",
            _event(_IAM, "CreateServiceLinkedRole", identity=_identity("Root"), event_type="AwsServiceEvent"),
        ),
        _sample("IAM user CreateAccessKey", _event(_IAM, "CreateAccessKey", request={"userName": "alice"})),
    )
    return ControlSamples("3.3", positives, near_misses)


_IAM_POLICY_CHANGES: Final[dict[str, dict[str, Any]]] = {
    "DeleteGroupPolicy": {"groupName": "admins", "policyName": "inline-admin"},
    "DeleteRolePolicy": {"roleName": "deploy", "policyName": "inline-deploy"},
    "DeleteUserPolicy": {"userName": "alice", "policyName": "inline-alice"},
    "PutGroupPolicy": {"groupName": "admins", "policyName": "inline-admin", "policyDocument": _POLICY_DOC},
    "PutRolePolicy": {"roleName": "deploy", "policyName": "inline-deploy", "policyDocument": _POLICY_DOC},
    "PutUserPolicy": {"userName": "alice", "policyName": "inline-alice", "policyDocument": _POLICY_DOC},
    "CreatePolicy": {"policyName": "app-read", "policyDocument": _POLICY_DOC},
    "DeletePolicy": {"policyArn": _POLICY_ARN},
    "CreatePolicyVersion": {"policyArn": _POLICY_ARN, "policyDocument": _POLICY_DOC, "setAsDefault": True},
    "DeletePolicyVersion": {"policyArn": _POLICY_ARN, "versionId": "v1"},
    "AttachRolePolicy": {"roleName": "deploy", "policyArn": _POLICY_ARN},
    "DetachRolePolicy": {"roleName": "deploy", "policyArn": _POLICY_ARN},
    "AttachUserPolicy": {"userName": "alice", "policyArn": _POLICY_ARN},
    "DetachUserPolicy": {"userName": "alice", "policyArn": _POLICY_ARN},
    "AttachGroupPolicy": {"groupName": "admins", "policyArn": _POLICY_ARN},
    "DetachGroupPolicy": {"groupName": "admins", "policyArn": _POLICY_ARN},
}


def _samples_3_4() -> ControlSamples:
    near_misses = (
        _sample(
            "GetPolicyVersion",
            _event(
                _IAM,
                "GetPolicyVersion",
                request={"policyArn": _POLICY_ARN, "versionId": "v1"},
                read_only=True,
            ),
        ),
        _sample(
            "ListAttachedRolePolicies",
            _event(_IAM, "ListAttachedRolePolicies", request={"roleName": "deploy"}, read_only=True),
        ),
        _sample("CreateUser", _event(_IAM, "CreateUser", request={"userName": "bob"})),
    )
    return ControlSamples("3.4", _api_samples(_IAM, _IAM_POLICY_CHANGES), near_misses)


def _samples_3_5() -> ControlSamples:
    changes = {
        "CreateTrail": {
            "name": "org-trail",
            "s3BucketName": "example-cloudtrail-logs",
            "isMultiRegionTrail": True,
        },
        "UpdateTrail": {"name": "org-trail", "enableLogFileValidation": True},
        "DeleteTrail": dict(_TRAIL),
        "StartLogging": dict(_TRAIL),
        "StopLogging": dict(_TRAIL),
    }
    near_misses = (
        _sample("DescribeTrails", _event(_CLOUDTRAIL, "DescribeTrails", read_only=True)),
        _sample("GetTrailStatus", _event(_CLOUDTRAIL, "GetTrailStatus", request=dict(_TRAIL), read_only=True)),
        _sample("LookupEvents", _event(_CLOUDTRAIL, "LookupEvents", read_only=True)),
    )
    return ControlSamples("3.5", _api_samples(_CLOUDTRAIL, changes), near_misses)


def _samples_3_6() -> ControlSamples:
    positives = (
        _sample("failed ConsoleLogin", _console_login(mfa_used="No", success=False)),
        _sample("failed root ConsoleLogin", _console_login(mfa_used="No", success=False, kind="Root")),
    )
    near_misses = (
        _sample("successful ConsoleLogin", _console_login(mfa_used="Yes", success=True)),
        _sample(
            "ConsoleLogin failed for an unknown user",
            _console_login(mfa_used="No", success=False, error_message="No username found in supplied account"),
        ),
    )
    return ControlSamples("3.6", positives, near_misses)


def _samples_3_7() -> ControlSamples:
    changes = {
        "DisableKey": {"keyId": _KEY_ID},
        "ScheduleKeyDeletion": {"keyId": _KEY_ID, "pendingWindowInDays": 30},
    }
    near_misses = (
        _sample(
            "DisableKey from another eventSource",
            _event("payment-cryptography.amazonaws.com", "DisableKey", request={"keyId": _KEY_ID}),
        ),
        _sample("EnableKey", _event(_KMS, "EnableKey", request={"keyId": _KEY_ID})),
        _sample("CancelKeyDeletion", _event(_KMS, "CancelKeyDeletion", request={"keyId": _KEY_ID})),
    )
    return ControlSamples("3.7", _api_samples(_KMS, changes), near_misses)


def _samples_3_8() -> ControlSamples:
    changes = {
        "PutBucketAcl": {**_BUCKET, "acl": ""},
        "PutBucketPolicy": {**_BUCKET, "policy": ""},
        "PutBucketCors": {**_BUCKET, "cors": ""},
        "PutBucketLifecycle": {**_BUCKET, "lifecycle": ""},
        "PutBucketReplication": {**_BUCKET, "replication": ""},
        "DeleteBucketPolicy": {**_BUCKET, "policy": ""},
        "DeleteBucketCors": {**_BUCKET, "cors": ""},
        "DeleteBucketLifecycle": {**_BUCKET, "lifecycle": ""},
        "DeleteBucketReplication": {**_BUCKET, "replication": ""},
    }
    near_misses = (
        _sample("GetBucketPolicy", _event(_S3, "GetBucketPolicy", request=dict(_BUCKET), read_only=True)),
        _sample("PutObject", _event(_S3, "PutObject", request={**_BUCKET, "key": "reports/2024-05.csv"})),
        _sample(
            "PutBucketPolicy on S3 on Outposts",
            _event("s3-outposts.amazonaws.com", "PutBucketPolicy", request=dict(_BUCKET)),
        ),
    )
    return ControlSamples("3.8", _api_samples(_S3, changes), near_misses)


def _samples_3_9() -> ControlSamples:
    recorder = {"configurationRecorderName": "default"}
    channel = {"deliveryChannelName": "default"}
    changes = {
        "StopConfigurationRecorder": recorder,
        "DeleteDeliveryChannel": channel,
        "PutDeliveryChannel": {"deliveryChannel": {"name": "default", "s3BucketName": "example-config"}},
        "PutConfigurationRecorder": {"configurationRecorder": {"name": "default"}},
    }
    near_misses = (
        _sample(
            "DescribeConfigurationRecorders",
            _event(_CONFIG, "DescribeConfigurationRecorders", read_only=True),
        ),
        _sample("StartConfigurationRecorder", _event(_CONFIG, "StartConfigurationRecorder", request=recorder)),
    )
    return ControlSamples("3.9", _api_samples(_CONFIG, changes), near_misses)


def _ec2_control(control_id: str, changes: Mapping[str, dict[str, Any]], reads: tuple[str, ...]) -> ControlSamples:
    near_misses = tuple(_sample(name, _event(_EC2, name, read_only=True)) for name in reads)
    return ControlSamples(control_id, _api_samples(_EC2, changes), near_misses)


def _samples_3_10() -> ControlSamples:
    group = {"groupId": "sg-0123456789abcdef0"}
    rule = {**group, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22}]}}
    changes = {
        "AuthorizeSecurityGroupIngress": rule,
        "AuthorizeSecurityGroupEgress": rule,
        "RevokeSecurityGroupIngress": rule,
        "RevokeSecurityGroupEgress": rule,
        "CreateSecurityGroup": {"groupName": "web", "groupDescription": "web tier", "vpcId": "vpc-0a1b2c3d"},
        "DeleteSecurityGroup": group,
    }
    return _ec2_control("3.10", changes, ("DescribeSecurityGroups", "DescribeSecurityGroupRules"))


def _samples_3_11() -> ControlSamples:
    acl = {"networkAclId": "acl-0123456789abcdef0"}
    entry = {**acl, "ruleNumber": 100, "egress": False, "ruleAction": "allow", "cidrBlock": "0.0.0.0/0"}
    changes = {
        "CreateNetworkAcl": {"vpcId": "vpc-0a1b2c3d"},
        "CreateNetworkAclEntry": entry,
        "DeleteNetworkAcl": acl,
        "DeleteNetworkAclEntry": {**acl, "ruleNumber": 100, "egress": False},
        "ReplaceNetworkAclEntry": entry,
        "ReplaceNetworkAclAssociation": {"associationId": "aclassoc-0a1b2c3d", **acl},
    }
    return _ec2_control("3.11", changes, ("DescribeNetworkAcls",))


def _samples_3_12() -> ControlSamples:
    igw = {"internetGatewayId": "igw-0123456789abcdef0"}
    changes = {
        "CreateCustomerGateway": {"type": "ipsec.1", "ipAddress": "203.0.113.12", "bgpAsn": 65000},
        "DeleteCustomerGateway": {"customerGatewayId": "cgw-0123456789abcdef0"},
        "AttachInternetGateway": {**igw, "vpcId": "vpc-0a1b2c3d"},
        "CreateInternetGateway": {},
        "DeleteInternetGateway": igw,
        "DetachInternetGateway": {**igw, "vpcId": "vpc-0a1b2c3d"},
    }
    return _ec2_control("3.12", changes, ("DescribeInternetGateways", "DescribeCustomerGateways"))


def _samples_3_13() -> ControlSamples:
    table = {"routeTableId": "rtb-0123456789abcdef0"}
    route = {**table, "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-0123456789abcdef0"}
    changes = {
        "CreateRoute": route,
        "CreateRouteTable": {"vpcId": "vpc-0a1b2c3d"},
        "ReplaceRoute": route,
        "ReplaceRouteTableAssociation": {"associationId": "rtbassoc-0a1b2c3d", **table},
        "DeleteRouteTable": table,
        "DeleteRoute": {**table, "destinationCidrBlock": "0.0.0.0/0"},
        "DisassociateRouteTable": {"associationId": "rtbassoc-0a1b2c3d"},
    }
    return _ec2_control("3.13", changes, ("DescribeRouteTables",))


def _samples_3_14() -> ControlSamples:
    vpc = {"vpcId": "vpc-0a1b2c3d"}
    peering = {"vpcPeeringConnectionId": "pcx-0123456789abcdef0"}
    classic = {"instanceId": "i-0123456789abcdef0", **vpc}
    changes = {
        "CreateVpc": {"cidrBlock": "10.0.0.0/16"},
        "DeleteVpc": vpc,
        "ModifyVpcAttribute": {**vpc, "enableDnsHostnames": {"value": True}},
        "AcceptVpcPeeringConnection": peering,
        "CreateVpcPeeringConnection": {**vpc, "peerVpcId": "vpc-9f8e7d6c"},
        "DeleteVpcPeeringConnection": peering,
        "RejectVpcPeeringConnection": peering,
        "AttachClassicLinkVpc": {**classic, "groupSet": {"items": [{"groupId": "sg-0123456789abcdef0"}]}},
        "DetachClassicLinkVpc": classic,
        "DisableVpcClassicLink": vpc,
        "EnableVpcClassicLink": vpc,
    }
    return _ec2_control("3.14", changes, ("DescribeVpcs", "DescribeVpcPeeringConnections"))


CONTROL_SAMPLES: Final[dict[str, ControlSamples]] = {
    samples.control_id: samples
    for samples in (
        _samples_3_1(),
        _samples_3_2(),
        _samples_3_3(),
        _samples_3_4(),
        _samples_3_5(),
        _samples_3_6(),
        _samples_3_7(),
        _samples_3_8(),
        _samples_3_9(),
        _samples_3_10(),
        _samples_3_11(),
        _samples_3_12(),
        _samples_3_13(),
        _samples_3_14(),
    )
}


def _universal_negatives() -> tuple[SampleEvent, ...]:
    assumed = _identity("AssumedRole")
    return (
        _sample("DescribeInstances", _event(_EC2, "DescribeInstances", read_only=True)),
        _sample("DescribeSecurityGroups", _event(_EC2, "DescribeSecurityGroups", read_only=True)),
        _sample("DescribeVpcs", _event(_EC2, "DescribeVpcs", identity=assumed, read_only=True)),
        _sample("GetObject", _event(_S3, "GetObject", request={**_BUCKET, "key": "data.csv"}, read_only=True)),
        _sample("PutObject", _event(_S3, "PutObject", identity=assumed, request={**_BUCKET, "key": "data.csv"})),
        _sample("ListBuckets", _event(_S3, "ListBuckets", read_only=True)),
        _sample("GetBucketPolicy", _event(_S3, "GetBucketPolicy", request=dict(_BUCKET), read_only=True)),
        _sample("ConsoleLogin with MFA", _console_login(mfa_used="Yes", success=True)),
        _sample(
            "AssumeRole",
            _event(
                "sts.amazonaws.com",
                "AssumeRole",
                read_only=True,
                request={"roleArn": f"arn:aws:iam::{_ACCOUNT}:role/deploy", "roleSessionName": "ci-session"},
            ),
        ),
        _sample("GetCallerIdentity", _event("sts.amazonaws.com", "GetCallerIdentity", read_only=True)),
        _sample("ListUsers", _event(_IAM, "ListUsers", read_only=True)),
        _sample("kms Decrypt", _event(_KMS, "Decrypt", identity=assumed, read_only=True)),
        _sample("DescribeTrails", _event(_CLOUDTRAIL, "DescribeTrails", read_only=True)),
        _sample(
            "DescribeConfigurationRecorders",
            _event(_CONFIG, "DescribeConfigurationRecorders", read_only=True),
        ),
        _sample(
            "GetObject NoSuchKey",
            _event(
                _S3,
                "GetObject",
                request={**_BUCKET, "key": "gone.csv"},
                error_code="NoSuchKey",
                error_message="The specified key does not exist.",
                read_only=True,
            ),
        ),
        _sample(
            "DescribeInstances throttled",
            _event(
                _EC2,
                "DescribeInstances",
                error_code="Client.RequestLimitExceeded",
                error_message="Request limit exceeded.",
                read_only=True,
            ),
        ),
        _sample(
            "kms RotateKey service event",
            _event(
                _KMS,
                "RotateKey",
                identity=_identity("AWSService", invoked_by=_KMS),
                event_type="AwsServiceEvent",
            ),
        ),
    )


UNIVERSAL_NEGATIVES: Final[tuple[SampleEvent, ...]] = _universal_negatives()
"""Ordinary events that no CIS 3.x pattern matches; a filter matching any of them is over-broad."""


# --------------------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _parse(pattern_text: str) -> FilterPattern | str:
    """The parsed pattern, or the parse error message (cached by text)."""
    try:
        return parse_filter_pattern(pattern_text)
    except FilterPatternError as error:
        return str(error)


def _unmatched(pattern: FilterPattern, samples: tuple[SampleEvent, ...]) -> tuple[str, ...]:
    return tuple(sample.label for sample in samples if not pattern.matches(sample.event))


def _matched(pattern: FilterPattern, samples: tuple[SampleEvent, ...]) -> tuple[str, ...]:
    return tuple(sample.label for sample in samples if pattern.matches(sample.event))


def evaluate_filter(control_id: str, pattern_text: str) -> FilterCoverage:
    """Does the metric filter ``pattern_text`` cover CIS control ``control_id`` (``"3.1"`` .. ``"3.14"``)?

    A pattern that does not parse covers nothing: every positive is reported missing and ``error`` holds
    the parse error message.
    """
    samples = CONTROL_SAMPLES.get(control_id)
    if samples is None:
        raise ValueError(f"unknown CIS control {control_id!r}; expected one of {', '.join(CONTROL_SAMPLES)}")
    parsed = _parse(pattern_text)
    if isinstance(parsed, str):
        missing = tuple(sample.label for sample in samples.positives)
        return FilterCoverage(control_id, False, missing, (), parsed)
    missing = _unmatched(parsed, samples.positives)
    overbroad = _matched(parsed, UNIVERSAL_NEGATIVES)
    return FilterCoverage(control_id, not missing and not overbroad, missing, overbroad, None)


# The metric names the benchmark's remediation steps suggest.
CIS_METRIC_NAMES: dict[str, str] = {
    "3.1": "UnauthorizedAPICalls",
    "3.2": "ConsoleSignInWithoutMFA",
    "3.3": "RootAccountUsage",
    "3.4": "IAMPolicyChanges",
    "3.5": "CloudTrailConfigChanges",
    "3.6": "ConsoleSignInFailures",
    "3.7": "DisableOrDeleteCMK",
    "3.8": "S3BucketPolicyChanges",
    "3.9": "AWSConfigChanges",
    "3.10": "SecurityGroupChanges",
    "3.11": "NACLChanges",
    "3.12": "NetworkGatewayChanges",
    "3.13": "RouteTableChanges",
    "3.14": "VPCChanges",
}
