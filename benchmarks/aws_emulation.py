"""Behaviours of real AWS that moto does not model, emulated on the wire by handlers on a `FaultProxy`.

    with FaultProxy(upstream=moto_url) as proxy:
        emulation = AwsEmulation(proxy, iam_propagation_seconds=1.5, credential_report_seconds=1)
        iam = boto3.client("iam", endpoint_url=proxy.url, ...)
        ...
        emulation.confirm_subscriptions("ops@example.com")   # the recipient clicks the link
        emulation.expire_credential_report()                 # four hours pass

Every answer the emulation makes is an AWS error in the request's own protocol (status code and error code as
AWS documents them and botocore's service models name them), or a rewrite of moto's answer, so botocore
raises the same `ClientError` codes it raises against AWS. Behaviours (all on unless `behaviours=` names some;
`enable(name)` / `disable(name)` switch one at any time):

* "limits": CloudTrail answers MaximumNumberOfTrailsExceededException for a sixth trail in a region
  (multi-region trails homed elsewhere count) and TrailAlreadyExistsException for a name already there
  (moto replaces the trail); AWS Config answers
  MaxNumberOf{ConfigurationRecorders,DeliveryChannels}ExceededException for a second recorder or delivery
  channel of another name in a region.
* "service_policies": CloudTrail CreateTrail/UpdateTrail answer InsufficientS3BucketPolicyException when the
  bucket policy does not let cloudtrail.amazonaws.com GetBucketAcl the bucket and PutObject under
  `[prefix/]AWSLogs/<account>/`, InsufficientEncryptionPolicyException when the KMS key policy does not let it
  GenerateDataKey (KmsKeyNotFoundException for a key that does not exist); AWS Config PutDeliveryChannel
  answers InsufficientDeliveryPolicyException when the recorder uses the service-linked role and the bucket
  policy does not let config.amazonaws.com GetBucketAcl and PutObject. See `policy_allows` for what is
  evaluated. Policies are read from moto with the caller's own access key.
* "iam_propagation": a role is not usable for `iam_propagation_seconds` after the proxy saw CreateRole or
  CreateServiceLinkedRole answer it: CloudTrail answers InvalidCloudWatchLogsRoleArnException for it as
  CloudWatchLogsRoleArn, AWS Config InvalidRoleException for it as a recorder's roleARN. Roles the proxy did
  not see created count as old. `age_roles()` ends the wait.
* "sns_pending": e-mail and HTTP(S) subscriptions stay pending until `confirm_subscriptions(endpoint=None)`:
  Subscribe answers "pending confirmation" (the real ARN with ReturnSubscriptionArn=true), the list calls
  show "PendingConfirmation" for them, GetSubscriptionAttributes says PendingConfirmation "true".
* "credential_report": GenerateCredentialReport answers STARTED, then INPROGRESS for
  `credential_report_seconds`, then COMPLETE; GetCredentialReport answers ReportNotPresent (410) before any
  generation and ReportInProgress (404) meanwhile. The report is a snapshot of moto's taken when generation
  starts; later generations reuse it (COMPLETE at once, same content and GeneratedTime) until it is
  `credential_report_reuse_seconds` (4 h) old or `expire_credential_report()` is called.
* "s3_create_bucket": CreateBucket's location rules (InvalidLocationConstraint for us-east-1 named in
  us-east-1, IllegalLocationConstraintException for a missing or different one elsewhere),
  BucketAlreadyOwnedByYou (409) for a bucket of ours outside us-east-1 (us-east-1 answers 200, as documented),
  and names in `taken_bucket_names` act as another account's buckets: BucketAlreadyExists (409) to
  CreateBucket, 403 AccessDenied to anything else.
* "opt_in_regions": ec2 DescribeRegions lists the 17 regions enabled by default (opt-in-not-required) and
  `opted_in_regions` (opted-in); other commercial regions only with AllRegions=true or when named, as
  not-opted-in; never China or GovCloud. The opt-in-status filter works.

The emulation reads moto through the upstream URL directly (its reads are not counted by the proxy). It keeps
its own state (role creation times, pending subscriptions, reports) per emulation, keyed by account where
accounts matter; `reset()` forgets it (call it with moto's own reset).
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from benchmarks.fault_proxy import FaultProxy, Forward, Handler, ProxyRequest, ProxyResponse

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_ENABLED_REGIONS",
    "AwsEmulation",
    "ServiceAccess",
    "policy_allows",
]

Clock = Callable[[], float]

# Regions introduced before 20 March 2019 are enabled for every account; later ones need opting in.
# https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
DEFAULT_ENABLED_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-north-1",
        "sa-east-1",
    }
)
OTHER_PARTITIONS = ("cn-", "us-gov-", "us-iso")
IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
FOUR_HOURS = 4 * 3600.0


# -- reading moto through the upstream ------------------------------------------------------------------


class Upstream:
    """boto3 clients straight to the upstream, signed with the caller's access key.

    moto does not check signatures, and it picks the account (and so the state) from the access key id: a
    client with the caller's key id and any secret reads exactly what the caller would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._session = boto3.session.Session()
        self._clients: dict[tuple[str, str, str, str | None], Any] = {}
        self._accounts: dict[str, str] = {}

    def client(self, request: ProxyRequest, service: str, region: str | None = None) -> Any:
        region = region or (request.info.region if request.info.region != "?" else "us-east-1")
        key = (service, region, request.access_key or "testing", request.session_token)
        with self._lock:  # creating clients from one session is not thread-safe
            if key not in self._clients:
                self._clients[key] = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.url,
                    aws_access_key_id=key[2],
                    aws_secret_access_key="emulation",
                    aws_session_token=key[3],
                    # moto answers an occasional 500 under many threads: retry those, never read them as verdicts
                    config=Config(retries={"mode": "standard", "max_attempts": 4}, s3={"addressing_style": "path"}),
                )
            return self._clients[key]

    def account_id(self, request: ProxyRequest) -> str:
        key = request.access_key
        with self._lock:
            known = self._accounts.get(key)
        if known is None:
            known = self.client(request, "sts").get_caller_identity()["Account"]
            with self._lock:
                self._accounts[key] = known
        return known


def _error_code(problem: botocore.exceptions.ClientError) -> str:
    return str(problem.response.get("Error", {}).get("Code", ""))


# -- policy evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAccess:
    """What a service principal asks a resource policy for: one action on one resource, in a request context.

    `context` holds the condition keys the service's request carries (aws:SourceArn, aws:SourceAccount,
    s3:x-amz-acl, ...); keys are matched case-insensitively, as IAM does."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, str]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in str(pattern))
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _principal_applies(statement: Mapping[str, Any], principal: str) -> bool:
    if "NotPrincipal" in statement:
        return False  # not modelled: such a statement neither grants nor denies the service here
    who = statement.get("Principal")
    if who == "*":
        return True
    if not isinstance(who, Mapping):
        return False
    return "*" in _as_list(who.get("AWS")) or principal in _as_list(who.get("Service"))


def _matches_any(statement: Mapping[str, Any], key: str, value: str, *, ignore_case: bool) -> bool:
    """The statement's `key` (Action/Resource) covers `value`; its Not`key` form covers everything else."""
    if f"Not{key}" in statement:
        return not any(_wildcard(p, value, ignore_case=ignore_case) for p in _as_list(statement[f"Not{key}"]))
    return any(_wildcard(p, value, ignore_case=ignore_case) for p in _as_list(statement.get(key)))


_VALUE_TESTS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringEqualsIgnoreCase": lambda actual, expected: actual.lower() == expected.lower(),
    "StringLike": lambda actual, expected: _wildcard(expected, actual),
    "ArnEquals": lambda actual, expected: _wildcard(expected, actual),
    "ArnLike": lambda actual, expected: _wildcard(expected, actual),
    "Bool": lambda actual, expected: actual.lower() == expected.lower(),
}
_NEGATIONS = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    """One condition: IAM's rules for a key missing from the request (false, except for IfExists and the
    negated operators), single-valued keys only (ForAnyValue:/ForAllValues: read as the plain operator)."""
    base = operator.split(":")[-1]
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    actual = context.get(key.lower())
    expected_values = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(expected)]
    if base == "Null":
        return (actual is None) == ("true" in [v.lower() for v in expected_values])
    if base in _NEGATIONS:
        return actual is None or not any(_VALUE_TESTS[_NEGATIONS[base]](actual, v) for v in expected_values)
    test = _VALUE_TESTS.get(base)
    if test is None:
        return False  # an operator not modelled never holds: conservative for Allow statements
    if actual is None:
        return if_exists
    return any(test(actual, v) for v in expected_values)


def _statement_applies(statement: Mapping[str, Any], access: ServiceAccess) -> bool:
    context = {k.lower(): v for k, v in access.context.items()}
    conditions = statement.get("Condition") or {}
    return (
        _principal_applies(statement, access.principal)
        and _matches_any(statement, "Action", access.action, ignore_case=True)
        and _matches_any(statement, "Resource", access.resource, ignore_case=False)
        and all(
            _condition_holds(operator, key, expected, context)
            for operator, block in conditions.items()
            if isinstance(block, Mapping)
            for key, expected in block.items()
        )
    )


def policy_allows(policy: Mapping[str, Any] | None, access: ServiceAccess) -> bool:
    """Whether a resource policy lets `access` through: some Allow statement applies and no Deny does.

    A statement applies when its Principal is "*", {"AWS": "*"} or names the service ({"Service": ..},
    string or list); its Action (or NotAction) covers the action, case-insensitively, with IAM wildcards; its
    Resource (or NotResource) covers the resource ARN; and every condition holds for `access.context` with
    the String*, Arn*, Bool and Null operators (IfExists too). Anything else (NotPrincipal, other operators,
    multi-valued keys) is not modelled and makes the statement not apply."""
    statements = [s for s in _as_list((policy or {}).get("Statement")) if isinstance(s, Mapping)]
    applying = [s for s in statements if _statement_applies(s, access)]
    if any(s.get("Effect") == "Deny" for s in applying):
        return False
    return any(s.get("Effect") == "Allow" for s in applying)


def _read_policy(text: str | None) -> dict[str, Any] | None:
    try:
        policy = json.loads(text) if text else None
    except ValueError:
        return None
    return policy if isinstance(policy, dict) else None


# -- small wire helpers ---------------------------------------------------------------------------------


def _xml_text(body: bytes, tag: str) -> str | None:
    """The text of the first <tag> element (moto's XML is flat enough for this)."""
    match = re.search(rb"<" + tag.encode() + rb">([^<]*)</" + tag.encode() + rb">", body)
    return html.unescape(match.group(1).decode()) if match else None


def _xml_element(tag: str, text: str) -> str:
    return f"<{tag}>{html.escape(text, quote=False)}</{tag}>"


def _query_answer(operation: str, result: Mapping[str, str], namespace: str = IAM_NAMESPACE) -> ProxyResponse:
    """A query-protocol (IAM) success answer with `result`'s members."""
    members = "".join(_xml_element(k, v) for k, v in result.items())
    request_id = str(uuid.uuid4())
    body = (
        f'<{operation}Response xmlns="{namespace}"><{operation}Result>{members}</{operation}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>"
    )
    return ProxyResponse(200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode())


def _region_of(request: ProxyRequest) -> str:
    return request.info.region if request.info.region != "?" else "us-east-1"


def _trail_arn(name: str, region: str, account: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"


def _key_under(prefix: str | None, key: str) -> str:
    return f"{prefix.strip('/')}/{key}" if prefix and prefix.strip("/") else key


# -- behaviours -----------------------------------------------------------------------------------------


class Behaviour:
    """One emulated behaviour: the requests it sees (`patterns`) and what it does with them (`handle`)."""

    name: str = ""
    patterns: tuple[str, ...] = ()

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what was seen (moto was reset)."""


class Limits(Behaviour):
    """Per-region quotas moto does not count (or that must hold whatever moto does).

    CloudTrail: 5 trails per region, not adjustable
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html); a multi-region
    trail counts in every region. AWS Config: one customer-managed configuration recorder and one delivery
    channel per region (https://docs.aws.amazon.com/config/latest/developerguide/configlimits.html;
    https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html). And a trail name
    is taken once per region: TrailAlreadyExistsException (API_CreateTrail.html), where moto replaces the
    trail."""

    name = "limits"
    patterns = ("cloudtrail:CreateTrail", "config:PutConfigurationRecorder", "config:PutDeliveryChannel")
    trails_per_region = 5

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        operation = request.info.operation
        if operation == "CreateTrail":
            refusal = self._trail_refusal(request)
        elif operation == "PutConfigurationRecorder":
            refusal = self._recorder_refusal(request)
        else:
            refusal = self._channel_refusal(request)
        return refusal or forward()

    def _trail_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        name = str(request.json.get("Name", ""))
        cloudtrail = self.upstream.client(request, "cloudtrail")
        trails = cloudtrail.describe_trails(includeShadowTrails=True)["trailList"]
        account = self.upstream.account_id(request)
        if any(name in (t.get("Name"), t.get("TrailARN")) for t in trails):
            # moto replaces the trail instead.
            return request.error(
                400, "TrailAlreadyExistsException", f"Trail {name} already exists for customer: {account}"
            )
        if len(trails) < self.trails_per_region:
            return None
        return request.error(
            400,
            "MaximumNumberOfTrailsExceededException",
            f"User: {account} already has {self.trails_per_region} trails in {_region_of(request)}.",
        )

    def _recorder_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        name = str((request.json.get("ConfigurationRecorder") or {}).get("name", ""))
        config = self.upstream.client(request, "config")
        recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
        # Service-linked recorders (PutServiceLinkedConfigurationRecorder) do not count against the quota.
        others = [r for r in recorders if r.get("name") != name and not r.get("servicePrincipal")]
        if not others:
            return None
        return request.error(
            400,
            "MaxNumberOfConfigurationRecordersExceededException",
            f"Failed to put configuration recorder '{name}' because the maximum number of configuration "
            "recorders: 1 is reached.",
        )

    def _channel_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        name = str((request.json.get("DeliveryChannel") or {}).get("name", ""))
        config = self.upstream.client(request, "config")
        channels = config.describe_delivery_channels()["DeliveryChannels"]
        if not any(c.get("name") != name for c in channels):
            return None
        return request.error(
            400,
            "MaxNumberOfDeliveryChannelsExceededException",
            f"Failed to put delivery channel '{name}' because the maximum number of delivery channels: 1 is reached.",
        )


@dataclass(frozen=True)
class _Bucket:
    exists: bool
    policy: dict[str, Any] | None


class ServicePolicies(Behaviour):
    """CloudTrail and AWS Config check, when a trail or delivery channel is written, that the bucket (and key)
    policies let the service principal deliver; moto accepts any bucket and key.

    CloudTrail's bucket policy: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    (GetBucketAcl on the bucket; PutObject on [prefix/]AWSLogs/<account>/* with s3:x-amz-acl
    bucket-owner-full-control; aws:SourceArn is the trail's ARN). Its key policy:
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
    (kms:GenerateDataKey* with kms:EncryptionContext:aws:cloudtrail:arn). AWS Config's bucket policy:
    https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html (GetBucketAcl, PutObject on
    [prefix/]AWSLogs/<account>/Config/*; needed when the recorder uses the service-linked role; with a
    customer role in the same account Config writes as the role, whose IAM policies are not evaluated here).
    Errors: API_CreateTrail.html and API_PutDeliveryChannel.html in each API reference. The API references give
    no messages: the Insufficient* ones are AWS's as reported in the wild (Terraform and CDK issues); the
    KmsKeyNotFoundException and NoSuchBucketException messages are the emulation's own."""

    name = "service_policies"
    patterns = ("cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "config:PutDeliveryChannel")

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        if request.info.service == "cloudtrail":
            refusal = self._trail_refusal(request)
        else:
            refusal = self._channel_refusal(request)
        return refusal or forward()

    # -- reads ---------------------------------------------------------------------------------------------
    def _bucket(self, request: ProxyRequest, bucket: str) -> _Bucket:
        s3 = self.upstream.client(request, "s3", "us-east-1")
        try:
            return _Bucket(True, _read_policy(s3.get_bucket_policy(Bucket=bucket)["Policy"]))
        except botocore.exceptions.ClientError as problem:
            if _error_code(problem) == "NoSuchBucketPolicy":
                return _Bucket(True, None)
            if _error_code(problem) == "NoSuchBucket":
                return _Bucket(False, None)
            raise

    def _key(self, request: ProxyRequest, key_id: str) -> tuple[str, dict[str, Any] | None] | None:
        """(key ARN, key policy) of a key id, key ARN, alias name or alias ARN; None when there is no such key."""
        region = key_id.split(":")[3] if key_id.startswith("arn:") else _region_of(request)
        kms = self.upstream.client(request, "kms", region)
        try:
            metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except botocore.exceptions.ClientError as problem:
            if _error_code(problem) in ("NotFoundException", "InvalidArnException"):
                return None
            raise
        policy = kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"]
        return metadata["Arn"], _read_policy(policy)

    def _current_trail(self, request: ProxyRequest, name: str) -> dict[str, Any]:
        cloudtrail = self.upstream.client(request, "cloudtrail")
        trails = cloudtrail.describe_trails(trailNameList=[name], includeShadowTrails=True)["trailList"]
        return trails[0] if trails else {}

    # -- CloudTrail ------------------------------------------------------------------------------------------
    def _trail_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        params = request.json
        name = str(params.get("Name", ""))
        account, region = self.upstream.account_id(request), _region_of(request)
        trail_arn = _trail_arn(name, region, account)
        creating = request.info.operation == "CreateTrail"
        current = {} if creating else self._current_trail(request, name)
        bucket = str(params.get("S3BucketName") or current.get("S3BucketName") or "")
        prefix = params.get("S3KeyPrefix", current.get("S3KeyPrefix"))
        # UpdateTrail re-checks the bucket only when it names a bucket or prefix.
        if bucket and (creating or "S3BucketName" in params or "S3KeyPrefix" in params):
            found = self._bucket(request, bucket)
            if found.exists and not self._cloudtrail_may_write(
                found.policy, bucket, prefix, account, region, trail_arn
            ):
                return request.error(
                    400,
                    "InsufficientS3BucketPolicyException",
                    f"Incorrect S3 bucket policy is detected for bucket: {bucket}",
                )
        if params.get("KmsKeyId"):
            return self._key_refusal(request, str(params["KmsKeyId"]), bucket, account, trail_arn)
        return None  # a missing bucket is moto's S3BucketDoesNotExistException to give

    @staticmethod
    def _cloudtrail_may_write(
        policy: dict[str, Any] | None, bucket: str, prefix: str | None, account: str, region: str, trail_arn: str
    ) -> bool:
        context = {"aws:SourceArn": trail_arn, "aws:SourceAccount": account, "aws:SecureTransport": "true"}
        # One log file CloudTrail would write: a policy must cover it, whether it grants AWSLogs/<account>/*
        # or AWSLogs/<account>/CloudTrail/*.
        log_file = _key_under(
            prefix, f"AWSLogs/{account}/CloudTrail/{region}/2024/01/01/{account}_CloudTrail_{region}_emulated.json.gz"
        )
        acl = ServiceAccess("cloudtrail.amazonaws.com", "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", context)
        put = ServiceAccess(
            "cloudtrail.amazonaws.com",
            "s3:PutObject",
            f"arn:aws:s3:::{bucket}/{log_file}",
            {**context, "s3:x-amz-acl": "bucket-owner-full-control"},
        )
        return policy_allows(policy, acl) and policy_allows(policy, put)

    def _key_refusal(
        self, request: ProxyRequest, key_id: str, bucket: str, account: str, trail_arn: str
    ) -> ProxyResponse | None:
        found = self._key(request, key_id)
        if found is None:
            return request.error(400, "KmsKeyNotFoundException", f"The specified KMS key does not exist: {key_id}")
        key_arn, policy = found
        context = {
            "kms:EncryptionContext:aws:cloudtrail:arn": trail_arn,
            "aws:SourceArn": trail_arn,
            "aws:SourceAccount": account,
            "aws:SecureTransport": "true",
        }
        if policy_allows(policy, ServiceAccess("cloudtrail.amazonaws.com", "kms:GenerateDataKey", key_arn, context)):
            return None
        return request.error(
            400,
            "InsufficientEncryptionPolicyException",
            f"Insufficient permissions to access S3 bucket {bucket} or KMS key {key_arn}.",
        )

    # -- AWS Config ------------------------------------------------------------------------------------------
    def _uses_service_linked_role(self, request: ProxyRequest) -> bool:
        config = self.upstream.client(request, "config")
        recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
        return any(":role/aws-service-role/" in str(r.get("roleARN", "")) for r in recorders)

    def _channel_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        channel = request.json.get("DeliveryChannel") or {}
        bucket = str(channel.get("s3BucketName") or "")
        if not bucket or not self._uses_service_linked_role(request):
            return None  # no recorder: moto's NoAvailableConfigurationRecorderException
        found = self._bucket(request, bucket)
        if not found.exists:
            return request.error(400, "NoSuchBucketException", f"Cannot find a S3 bucket with name: {bucket}")
        account = self.upstream.account_id(request)
        context = {"aws:SourceAccount": account, "aws:SecureTransport": "true"}
        acl = ServiceAccess("config.amazonaws.com", "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", context)
        if not policy_allows(found.policy, acl):
            return request.error(
                400,
                "InsufficientDeliveryPolicyException",
                f"Insufficient delivery policy to s3 bucket: {bucket}, unable to get s3 bucket acl.",
            )
        prefix = channel.get("s3KeyPrefix")
        # AWS Config proves it can write by putting this file when the channel is saved.
        check_file = _key_under(prefix, f"AWSLogs/{account}/Config/ConfigWritabilityCheckFile")
        put = ServiceAccess(
            "config.amazonaws.com",
            "s3:PutObject",
            f"arn:aws:s3:::{bucket}/{check_file}",
            {**context, "s3:x-amz-acl": "bucket-owner-full-control"},
        )
        if policy_allows(found.policy, put):
            return None
        return request.error(
            400,
            "InsufficientDeliveryPolicyException",
            f"Insufficient delivery policy to s3 bucket: {bucket}, unable to write to bucket, provided s3 key "
            f"prefix is '{prefix or 'null'}', provided kms key is '{channel.get('s3KmsKeyArn') or 'null'}'.",
        )


class IamPropagation(Behaviour):
    """IAM is eventually consistent: a new role is not usable by other services for seconds
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
    CloudTrail then answers InvalidCloudWatchLogsRoleArnException "Access denied. ..." (Terraform's provider
    retries exactly that code and message: internal/service/cloudtrail/trail.go), AWS Config
    InvalidRoleException (API_PutConfigurationRecorder.html; AWS does not document its message)."""

    name = "iam_propagation"
    patterns = (
        "iam:CreateRole",
        "iam:CreateServiceLinkedRole",
        "cloudtrail:CreateTrail",
        "cloudtrail:UpdateTrail",
        "config:PutConfigurationRecorder",
    )

    def __init__(self, seconds: float, clock: Clock) -> None:
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._created: dict[str, float] = {}  # lower-cased role ARN -> when the proxy saw it created

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        operation = request.info.operation
        if request.info.service == "iam":
            response = forward()
            arn = _xml_text(response.body, "Arn") if response.status == 200 else None
            if arn:
                with self._lock:
                    self._created[arn.lower()] = self.clock()
            return response
        if request.info.service == "cloudtrail":
            role = request.json.get("CloudWatchLogsRoleArn")
            if role and self.is_new(str(role)):
                return request.error(
                    400,
                    "InvalidCloudWatchLogsRoleArnException",
                    "Access denied. Verify in IAM that the role has adequate permissions.",
                )
        elif operation == "PutConfigurationRecorder":
            role = (request.json.get("ConfigurationRecorder") or {}).get("roleARN")
            if role and self.is_new(str(role)):
                return request.error(400, "InvalidRoleException", f"Insufficient permission to assume role: {role}")
        return forward()

    def is_new(self, role_arn: str) -> bool:
        """Created less than `seconds` ago (names compare case-insensitively: moto spells the Config
        service-linked role AWSServiceRoleForconfig, AWS AWSServiceRoleForConfig)."""
        with self._lock:
            created = self._created.get(role_arn.lower())
        return created is not None and self.clock() - created < self.seconds

    def age_roles(self) -> None:
        """Every role seen so far has propagated."""
        with self._lock:
            self._created.clear()

    reset = age_roles


class PendingSubscriptions(Behaviour):
    """HTTP/S and e-mail subscriptions wait for the endpoint owner to confirm
    (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html: Subscribe answers "pending confirmation"
    unless ReturnSubscriptionArn; https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
    lists them as "PendingConfirmation"); moto confirms at once. Cross-account SQS/Lambda subscriptions, which
    AWS also holds, and the 3-day expiry of unconfirmed ones are not modelled."""

    name = "sns_pending"
    patterns = (
        "sns:Subscribe",
        "sns:ListSubscriptions",
        "sns:ListSubscriptionsByTopic",
        "sns:GetSubscriptionAttributes",
        "sns:Unsubscribe",
    )

    def __init__(self, protocols: Collection[str]) -> None:
        self.protocols = frozenset(p.lower() for p in protocols)
        self._lock = threading.Lock()
        self._pending: dict[str, str] = {}  # subscription ARN -> endpoint
        self._confirmed: set[str] = set()

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        operation = request.info.operation
        if operation == "Subscribe":
            return self._subscribe(request, forward)
        response = forward()
        if response.status != 200:
            return response
        if operation == "Unsubscribe":
            with self._lock:
                self._pending.pop(request.form.get("SubscriptionArn", ""), None)
            return response
        if operation == "GetSubscriptionAttributes":
            return self._attributes(request, response)
        return response.replace(body=self._hide_pending(response.body))

    def _subscribe(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        params = request.form
        response = forward()
        arn = _xml_text(response.body, "SubscriptionArn") if response.status == 200 else None
        if not arn or params.get("Protocol", "").lower() not in self.protocols:
            return response
        with self._lock:
            if arn in self._confirmed:
                return response  # subscribing a confirmed endpoint again answers its ARN
            self._pending[arn] = params.get("Endpoint", "")
        if params.get("ReturnSubscriptionArn", "").lower() == "true":
            return response
        body = response.body.replace(_arn_element(arn), b"<SubscriptionArn>pending confirmation</SubscriptionArn>")
        return response.replace(body=body)

    def _hide_pending(self, body: bytes) -> bytes:
        with self._lock:
            pending = list(self._pending)
        for arn in pending:
            body = body.replace(_arn_element(arn), b"<SubscriptionArn>PendingConfirmation</SubscriptionArn>")
        return body

    def _attributes(self, request: ProxyRequest, response: ProxyResponse) -> ProxyResponse:
        with self._lock:
            pending = request.form.get("SubscriptionArn", "") in self._pending
        if not pending:
            return response
        body = re.sub(rb"(<key>PendingConfirmation</key>\s*<value>)[^<]*(</value>)", rb"\1true\2", response.body)
        body = re.sub(rb"(<key>ConfirmationWasAuthenticated</key>\s*<value>)[^<]*(</value>)", rb"\1false\2", body)
        return response.replace(body=body)

    def confirm(self, endpoint: str | None = None) -> int:
        with self._lock:
            chosen = [arn for arn, owner in self._pending.items() if endpoint is None or owner == endpoint]
            for arn in chosen:
                del self._pending[arn]
                self._confirmed.add(arn)
        return len(chosen)

    @property
    def pending(self) -> dict[str, str]:
        with self._lock:
            return dict(self._pending)

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._confirmed.clear()


def _arn_element(arn: str) -> bytes:
    return f"<SubscriptionArn>{html.escape(arn, quote=False)}</SubscriptionArn>".encode()


@dataclass
class _Report:
    started: float  # clock time generation started
    content: bytes  # the CSV, as moto had it then
    generated: datetime
    expired: bool = False


class CredentialReports(Behaviour):
    """IAM generates a credential report in the background and reuses it for four hours
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html;
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html: ReportNotPresent 410,
    ReportInProgress 404, as botocore's iam model has them). moto answers COMPLETE at once and a fresh report
    every time. The snapshot is taken when generation starts, so a change made later is not in it until a
    new generation starts (after `reuse_seconds`, or `expire()`). ReportExpired is not emulated."""

    name = "credential_report"
    patterns = ("iam:GenerateCredentialReport", "iam:GetCredentialReport")

    def __init__(self, upstream: Upstream, seconds: float, reuse_seconds: float, clock: Clock) -> None:
        self.upstream = upstream
        self.seconds = seconds
        self.reuse_seconds = reuse_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._reports: dict[str, _Report] = {}  # account -> its latest report

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        arrived = self.clock()  # generation starts when asked for, however long moto takes to answer us
        account = self.upstream.account_id(request)
        if request.info.operation == "GenerateCredentialReport":
            return self._generate(request, account, arrived)
        with self._lock:
            report = self._reports.get(account)
        return self._get(request, report)

    def _generate(self, request: ProxyRequest, account: str, arrived: float) -> ProxyResponse:
        with self._lock:  # held while snapshotting, so two first calls start one generation
            report = self._reports.get(account)
            if report is None or report.expired or arrived - report.started >= self.reuse_seconds:
                self._reports[account] = _Report(arrived, self._snapshot(request), datetime.now(UTC))
                return _query_answer(
                    "GenerateCredentialReport",
                    {"State": "STARTED", "Description": "No report exists. Starting a new report generation task"},
                )
        state = "INPROGRESS" if self._in_progress(report) else "COMPLETE"
        return _query_answer("GenerateCredentialReport", {"State": state})

    def _get(self, request: ProxyRequest, report: _Report | None) -> ProxyResponse:
        if report is None:
            return request.error(
                410,
                "ReportNotPresent",
                "The request was rejected because the credential report does not exist. To generate a "
                "credential report, use GenerateCredentialReport.",
            )
        if self._in_progress(report):
            return request.error(
                404,
                "ReportInProgress",
                "The request was rejected because the credential report is still being generated.",
            )
        return _query_answer(
            "GetCredentialReport",
            {
                "Content": base64.b64encode(report.content).decode(),
                "ReportFormat": "text/csv",
                "GeneratedTime": report.generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )

    def _in_progress(self, report: _Report) -> bool:
        return self.clock() - report.started < self.seconds

    def _snapshot(self, request: ProxyRequest) -> bytes:
        iam = self.upstream.client(request, "iam")
        iam.generate_credential_report()
        return bytes(iam.get_credential_report()["Content"])

    def expire(self) -> None:
        """The reports are older than four hours: the next GenerateCredentialReport starts a new one."""
        with self._lock:
            for report in self._reports.values():
                report.expired = True

    def reset(self) -> None:
        with self._lock:
            self._reports.clear()


class BucketCreation(Behaviour):
    """CreateBucket as S3 answers it (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html;
    codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html): in us-east-1 a
    LocationConstraint of us-east-1 is invalid; elsewhere it is required and must name the endpoint's region;
    a bucket name is global, so one another account holds answers BucketAlreadyExists (409); re-creating a
    bucket we own answers BucketAlreadyOwnedByYou (409), except that in us-east-1, "for legacy
    compatibility", it answers 200 OK (the BucketAlreadyOwnedByYou shape in botocore's s3 model says so)."""

    name = "s3_create_bucket"
    patterns = ("s3:*",)

    def __init__(self, upstream: Upstream, taken: Iterable[str]) -> None:
        self.upstream = upstream
        self.taken = set(taken)

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        bucket = _bucket_of(request.info.path)
        if request.info.operation != "CreateBucket":
            if bucket in self.taken:  # another account's bucket: we may not touch it
                return request.error(403, "AccessDenied", "Access Denied")
            return forward()
        region, location = _region_of(request), _location_constraint(request.body)
        refusal = _location_refusal(request, region, location)
        if refusal is not None:
            return refusal
        if bucket in self.taken:
            return request.error(
                409,
                "BucketAlreadyExists",
                "The requested bucket name is not available. The bucket namespace is shared by all users of the "
                "system. Please select a different name and try again.",
            )
        if self._owned_elsewhere_than_us_east_1(request, bucket, region):
            return request.error(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
        return forward()  # new (or ours in us-east-1, which moto answers 200 as S3 does)

    def _owned_elsewhere_than_us_east_1(self, request: ProxyRequest, bucket: str, region: str) -> bool:
        s3 = self.upstream.client(request, "s3", "us-east-1")
        owned = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if bucket not in owned:
            return False
        if region != "us-east-1":
            return True
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return location not in (None, "", "us-east-1")


def _bucket_of(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


def _location_constraint(body: bytes) -> str | None:
    return _xml_text(body, "LocationConstraint") if body else None


def _location_refusal(request: ProxyRequest, region: str, location: str | None) -> ProxyResponse | None:
    if region == "us-east-1":
        if location == "us-east-1":
            return request.error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid")
        return None
    if not location:
        return request.error(
            400,
            "IllegalLocationConstraintException",
            "The unspecified location constraint is incompatible for the region specific endpoint this request "
            "was sent to.",
        )
    if location != region:
        return request.error(
            400,
            "IllegalLocationConstraintException",
            f"The {location} location constraint is incompatible for the region specific endpoint this request "
            "was sent to.",
        )
    return None


class OptInRegions(Behaviour):
    """DescribeRegions answers the regions enabled for the account, or all of the partition's with
    AllRegions=true, each with its OptInStatus
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html; which regions need
    opting in: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html). moto answers
    38 regions of three partitions, some opt-in ones as opt-in-not-required, and ignores AllRegions."""

    name = "opt_in_regions"
    patterns = ("ec2:DescribeRegions",)

    def __init__(self, opted_in: Iterable[str]) -> None:
        self.opted_in = set(opted_in)

    def status(self, region: str) -> str:
        if region in DEFAULT_ENABLED_REGIONS:
            return "opt-in-not-required"
        return "opted-in" if region in self.opted_in else "not-opted-in"

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        response = forward()
        if response.status != 200:
            return response
        params = request.form
        # RegionNames may name any region, enabled or not; AllRegions shows the disabled ones too.
        show_disabled = params.get("AllRegions", "").lower() == "true" or any(
            k.startswith("RegionName.") for k in params
        )
        wanted_status = _filter_values(params, "opt-in-status")
        rows = []
        for name, endpoint in _regions_in(response.body):
            status = self.status(name)
            if name.startswith(OTHER_PARTITIONS) or (status == "not-opted-in" and not show_disabled):
                continue
            if wanted_status and status not in wanted_status:
                continue
            rows.append((name, endpoint, status))
        return response.replace(body=_describe_regions_body(rows))


def _regions_in(body: bytes) -> list[tuple[str, str]]:
    items = re.findall(rb"<item>(.*?)</item>", body, re.DOTALL)
    return [(_xml_text(item, "regionName") or "", _xml_text(item, "regionEndpoint") or "") for item in items]


def _filter_values(params: Mapping[str, str], name: str) -> set[str]:
    """The values of EC2 query filter `name` (Filter.N.Name / Filter.N.Value.M)."""
    numbers = [k.split(".")[1] for k, v in params.items() if re.fullmatch(r"Filter\.\d+\.Name", k) and v == name]
    return {v for n in numbers for k, v in params.items() if k.startswith(f"Filter.{n}.Value.")}


def _describe_regions_body(rows: list[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f"<item>{_xml_element('regionName', n)}{_xml_element('regionEndpoint', e)}{_xml_element('optInStatus', s)}"
        "</item>"
        for n, e, s in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse xmlns="{EC2_NAMESPACE}">'
        f"<requestId>{uuid.uuid4()}</requestId><regionInfo>{items}</regionInfo></DescribeRegionsResponse>"
    ).encode()


# -- the emulation --------------------------------------------------------------------------------------

# The order handlers are installed in, outermost first: where several check one call (CreateTrail), the
# quota is checked before the policies, and the policies before the role.
BEHAVIOURS: tuple[str, ...] = (
    "limits",
    "service_policies",
    "iam_propagation",
    "sns_pending",
    "credential_report",
    "s3_create_bucket",
    "opt_in_regions",
)


class AwsEmulation:
    """Installs the behaviours (see the module docstring) on `proxy` at once; `remove()` takes them off."""

    def __init__(
        self,
        proxy: FaultProxy,
        *,
        behaviours: Iterable[str] | None = None,
        iam_propagation_seconds: float = 8.0,
        credential_report_seconds: float = 5.0,
        credential_report_reuse_seconds: float = FOUR_HOURS,
        pending_protocols: Collection[str] = ("email", "email-json", "http", "https"),
        taken_bucket_names: Iterable[str] = (),
        opted_in_regions: Iterable[str] = (),
        clock: Clock = time.monotonic,
    ) -> None:
        self.proxy = proxy
        upstream = Upstream(proxy.upstream)
        self.limits = Limits(upstream)
        self.service_policies = ServicePolicies(upstream)
        self.iam_propagation = IamPropagation(iam_propagation_seconds, clock)
        self.sns_pending = PendingSubscriptions(pending_protocols)
        self.credential_report = CredentialReports(
            upstream, credential_report_seconds, credential_report_reuse_seconds, clock
        )
        self.s3_create_bucket = BucketCreation(upstream, taken_bucket_names)
        self.opt_in_regions = OptInRegions(opted_in_regions)
        self._lock = threading.Lock()
        self._enabled = set(self._checked(BEHAVIOURS if behaviours is None else behaviours))
        self._installed: list[Handler] = []
        self._install()

    def __enter__(self) -> AwsEmulation:
        return self

    def __exit__(self, *_: object) -> None:
        self.remove()

    # -- switching ---------------------------------------------------------------------------------------
    @staticmethod
    def _checked(names: Iterable[str]) -> list[str]:
        names = list(names)
        unknown = sorted(set(names) - set(BEHAVIOURS))
        if unknown:
            raise ValueError(f"unknown behaviour(s) {', '.join(unknown)}; known: {', '.join(BEHAVIOURS)}")
        return names

    def behaviour(self, name: str) -> Behaviour:
        return getattr(self, self._checked([name])[0])  # type: ignore[no-any-return]

    @property
    def enabled(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._enabled)

    def enable(self, name: str) -> None:
        with self._lock:
            self._enabled.add(self._checked([name])[0])
        self._install()

    def disable(self, name: str) -> None:
        with self._lock:
            self._enabled.discard(self._checked([name])[0])
        self._install()

    def _install(self) -> None:
        """(Re)install the enabled behaviours in BEHAVIOURS order, so switching keeps the nesting."""
        self.remove()
        with self._lock:
            chosen = [self.behaviour(n) for n in BEHAVIOURS if n in self._enabled]
            self._installed = [
                self.proxy.add_handler(list(b.patterns), b.handle, name=f"aws_emulation.{b.name}") for b in chosen
            ]

    def remove(self) -> None:
        with self._lock:
            installed, self._installed = self._installed, []
        for handler in installed:
            self.proxy.remove_handler(handler)

    # -- what a test does to the world -------------------------------------------------------------------
    def confirm_subscriptions(self, endpoint: str | None = None) -> int:
        """The recipient clicks the link: pending subscriptions of `endpoint` (all when None) show their ARN.
        Returns how many were confirmed."""
        return self.sns_pending.confirm(endpoint)

    @property
    def pending_subscriptions(self) -> dict[str, str]:
        """Subscription ARN -> endpoint, for the subscriptions still waiting for confirmation."""
        return self.sns_pending.pending

    def expire_credential_report(self) -> None:
        """Four hours pass: the next GenerateCredentialReport starts a new report."""
        self.credential_report.expire()

    def age_roles(self) -> None:
        """Every role created so far has propagated through IAM."""
        self.iam_propagation.age_roles()

    def reset(self) -> None:
        """Forget roles, subscriptions and reports (when moto's state is reset)."""
        for name in BEHAVIOURS:
            self.behaviour(name).reset()


# -- command line ---------------------------------------------------------------------------------------


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.aws_emulation --upstream URL`: serve the emulation in front of a moto server (for
    running the command line against it); prints `URL <proxy url>`, runs until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.aws_emulation", description=main.__doc__)
    parser.add_argument("--upstream", required=True, help="the moto server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--behaviours", type=_names, help=f"comma-separated, of: {', '.join(BEHAVIOURS)}")
    parser.add_argument("--iam-propagation-seconds", type=float, default=8.0)
    parser.add_argument("--credential-report-seconds", type=float, default=5.0)
    parser.add_argument("--taken-bucket-names", type=_names, default=[])
    parser.add_argument("--opted-in-regions", type=_names, default=[])
    args = parser.parse_args(argv)

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    with FaultProxy(upstream=args.upstream, port=args.port) as proxy:
        AwsEmulation(
            proxy,
            behaviours=args.behaviours,
            iam_propagation_seconds=args.iam_propagation_seconds,
            credential_report_seconds=args.credential_report_seconds,
            taken_bucket_names=args.taken_bucket_names,
            opted_in_regions=args.opted_in_regions,
        )
        print(f"URL {proxy.url}", flush=True)
        stopped.wait()
        for name, problem in proxy.handler_errors:
            print(f"handler {name} failed: {problem!r}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
