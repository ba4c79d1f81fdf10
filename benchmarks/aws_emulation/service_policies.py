"""The "service_policies" behaviour: CloudTrail and AWS Config refuse a bucket or key whose policy does not
let them in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from benchmarks.aws_emulation.policies import ServiceAccess, policy_allows, read_policy
from benchmarks.aws_emulation.wire import Behaviour, Upstream, error_code, key_under, region_of, trail_arn_of
from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse


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
            return _Bucket(True, read_policy(s3.get_bucket_policy(Bucket=bucket)["Policy"]))
        except botocore.exceptions.ClientError as problem:
            if error_code(problem) == "NoSuchBucketPolicy":
                return _Bucket(True, None)
            if error_code(problem) == "NoSuchBucket":
                return _Bucket(False, None)
            raise

    def _key(self, request: ProxyRequest, key_id: str) -> tuple[str, dict[str, Any] | None] | None:
        """(key ARN, key policy) of a key id, key ARN, alias name or alias ARN; None when there is no such key."""
        region = key_id.split(":")[3] if key_id.startswith("arn:") else region_of(request)
        kms = self.upstream.client(request, "kms", region)
        try:
            metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except botocore.exceptions.ClientError as problem:
            if error_code(problem) in ("NotFoundException", "InvalidArnException"):
                return None
            raise
        policy = kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"]
        return metadata["Arn"], read_policy(policy)

    def _current_trail(self, request: ProxyRequest, name: str) -> dict[str, Any]:
        cloudtrail = self.upstream.client(request, "cloudtrail")
        trails = cloudtrail.describe_trails(trailNameList=[name], includeShadowTrails=True)["trailList"]
        return trails[0] if trails else {}

    # -- CloudTrail ------------------------------------------------------------------------------------------
    def _trail_refusal(self, request: ProxyRequest) -> ProxyResponse | None:
        params = request.json
        name = str(params.get("Name", ""))
        account, region = self.upstream.account_id(request), region_of(request)
        trail_arn = trail_arn_of(name, region, account)
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
        log_file = key_under(
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
        check_file = key_under(prefix, f"AWSLogs/{account}/Config/ConfigWritabilityCheckFile")
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
