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
  not see created count as old. `age_roles()` ends the wait. With `iam_refusals_at_least=N` the first N uses of
  a new role are refused however late they come.
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

from benchmarks.aws_emulation.emulation import BEHAVIOURS, AwsEmulation, main
from benchmarks.aws_emulation.policies import ServiceAccess, policy_allows
from benchmarks.aws_emulation.regions import DEFAULT_ENABLED_REGIONS

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_ENABLED_REGIONS",
    "AwsEmulation",
    "ServiceAccess",
    "main",
    "policy_allows",
]
