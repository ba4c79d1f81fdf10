"""Section 2 checks of the trails' S3 buckets against moto: 2.3 not public (ACLs, policies, public access
blocks), 2.6 server access logging; a failing and a passing setup each."""

from __future__ import annotations

import json

import pytest

from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.auditing import audit_one, statuses
from tests.support.trails import client, make_bucket, make_trail
from wizard.audit.findings import Status


# -- 2.3 trail bucket not public -----------------------------------------------------------------------------
def public_policy(bucket: str, **statement: object) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    **statement,
                }
            ],
        }
    )


def trail_bucket(name: str, region: str = HOME, *, trail_region: str | None = None) -> str:
    """A bucket in `region` and org-trail (homed in `trail_region`, else the bucket's region) delivering to it."""
    bucket = make_bucket(name, region)
    make_trail(bucket=bucket, region=trail_region or region)
    return bucket


def public_trail_bucket(name: str) -> str:
    """A trail bucket whose ACL grants public reads and whose policy lets everyone read its objects."""
    bucket = trail_bucket(name)
    s3 = client("s3")
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))
    return bucket


def public_access_block(**flags: bool) -> dict[str, bool]:
    """S3's four public access block flags, each off unless given (BlockPublicAcls=True, ...)."""
    names = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    assert set(flags) <= set(names), flags
    return {name: flags.get(name, False) for name in names}


def test_2_3_fails_for_acl_grant_to_all_users(ctx) -> None:
    bucket = trail_bucket("public-acl-logs")
    client("s3").put_bucket_acl(Bucket=bucket, ACL="public-read")
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.FAIL}
    assert finding.resources[0].region == HOME
    assert finding.resources[0].reason == "ACL grants READ to AllUsers"


def test_2_3_fails_for_acl_grant_to_authenticated_users(ctx) -> None:
    bucket = trail_bucket("authenticated-logs")
    client("s3").put_bucket_acl(Bucket=bucket, ACL="authenticated-read")
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert finding.resources[0].reason == "ACL grants READ to AuthenticatedUsers"


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_2_3_fails_for_bucket_policy_open_to_everyone(ctx, principal: object) -> None:
    bucket = trail_bucket("public-policy-logs", OTHER)
    client("s3", OTHER).put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket, Principal=principal))
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.FAIL}
    assert finding.resources[0].region == OTHER
    assert 'Principal "*"' in finding.resources[0].reason
    assert "s3:GetObject" in finding.resources[0].reason


def test_2_3_fails_when_condition_does_not_limit_who_may_call(ctx) -> None:
    bucket = trail_bucket("tls-only-logs")
    client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=public_policy(bucket, Condition={"Bool": {"aws:SecureTransport": "true"}}),
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert 'Principal "*"' in finding.resources[0].reason


def test_2_3_passes_when_condition_pins_the_calling_account(ctx) -> None:
    bucket = trail_bucket("account-only-logs")
    client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=public_policy(bucket, Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT_ID}}),
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}


def test_2_3_public_acl_and_policy_neutralised_by_bucket_public_access_block(ctx) -> None:
    bucket = public_trail_bucket("blocked-logs")
    client("s3").put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration=public_access_block(IgnorePublicAcls=True, RestrictPublicBuckets=True),
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}
    assert finding.resources[0].reason == "not public (bucket of org-trail)"


def test_2_3_ignore_public_acls_alone_leaves_a_public_policy_failing(ctx) -> None:
    bucket = public_trail_bucket("half-blocked-logs")
    client("s3").put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration=public_access_block(
            BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True
        ),
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    reason = finding.resources[0].reason
    assert "bucket policy" in reason
    assert "ACL" not in reason


def test_2_3_public_acl_neutralised_by_account_public_access_block(ctx) -> None:
    bucket = trail_bucket("account-blocked-logs")
    client("s3").put_bucket_acl(Bucket=bucket, ACL="public-read")
    client("s3control").put_public_access_block(
        AccountId=ACCOUNT_ID,
        PublicAccessBlockConfiguration=public_access_block(
            BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True
        ),
    )
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert "s3control:GetPublicAccessBlock" in {e.operation for e in finding.evidence}


def test_2_3_passes_for_private_bucket_with_cloudtrail_policy(ctx) -> None:
    bucket = make_bucket("private-logs")
    client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT_ID}/*",
                    },
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            }
        ),
    )
    make_trail(bucket=bucket)
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}
    operations = {e.operation for e in finding.evidence}
    assert {"s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetPublicAccessBlock"} <= operations


def test_2_3_reads_the_bucket_in_its_own_region(ctx) -> None:
    bucket = trail_bucket("cross-region-logs", OTHER, trail_region=HOME)  # bucket in eu-west-1, trail in us-east-1
    client("s3", OTHER).put_bucket_acl(Bucket=bucket, ACL="public-read")
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert [(r.id, r.region) for r in finding.failing()] == [(f"arn:aws:s3:::{bucket}", OTHER)]
    acl_read = next(e for e in finding.evidence if e.operation == "s3:GetBucketAcl")
    assert acl_read.region == OTHER


def test_2_3_errors_when_the_trail_bucket_is_gone(ctx) -> None:
    bucket = trail_bucket("deleted-logs")
    client("s3").delete_bucket(Bucket=bucket)
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.ERROR
    assert [(r.id, r.status) for r in finding.resources] == [(f"arn:aws:s3:::{bucket}", Status.ERROR)]
    assert "NoSuchBucket" in finding.resources[0].reason


def test_2_3_checks_a_bucket_shared_by_two_trails_once(ctx) -> None:
    bucket = make_bucket("shared-logs")
    make_trail("first", bucket=bucket)
    make_trail("second", bucket=bucket, multi_region=False)
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.PASS
    assert [r.id for r in finding.resources] == [f"arn:aws:s3:::{bucket}"]


def test_2_3_fails_without_trails(ctx) -> None:
    finding = audit_one(ctx, "2.3")
    assert finding.status is Status.FAIL
    assert finding.summary == "No trail delivers to an S3 bucket."


# -- 2.6 access logging on the trail bucket ------------------------------------------------------------------
def test_2_6_fails_without_access_logging(ctx) -> None:
    bucket = trail_bucket("unlogged-logs")
    finding = audit_one(ctx, "2.6")
    assert finding.status is Status.FAIL
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.FAIL}
    assert finding.resources[0].reason == "server access logging disabled (bucket of org-trail)"


def test_2_6_passes_with_access_logging(ctx) -> None:
    bucket = make_bucket("logged-logs", OTHER)
    target = make_bucket("access-logs-target", OTHER)
    s3 = client("s3", OTHER)
    s3.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    s3.put_bucket_logging(
        Bucket=bucket,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "cloudtrail/"}},
    )
    make_trail(bucket=bucket, region=OTHER)
    finding = audit_one(ctx, "2.6")
    assert finding.status is Status.PASS
    assert statuses(finding) == {f"arn:aws:s3:::{bucket}": Status.PASS}
    assert finding.resources[0].region == OTHER
    assert finding.resources[0].reason == f"access logs to {target}"


def test_2_6_fails_without_trails(ctx) -> None:
    assert audit_one(ctx, "2.6").status is Status.FAIL
