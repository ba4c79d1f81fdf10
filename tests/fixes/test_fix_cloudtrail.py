"""2.1-2.4, 2.6, 2.7: fresh account -> apply -> PASS -> nothing left; reuse of an existing trail."""

from __future__ import annotations

import boto3

from tests.support.auditing import audit_one
from tests.support.fixing import fix
from wizard.audit.findings import Status

TRAIL_CONTROLS = ("2.1", "2.2", "2.3", "2.4", "2.6", "2.7")


def test_fresh_account_gets_a_compliant_trail(ctx) -> None:
    run = fix(ctx, *TRAIL_CONTROLS)
    assert [p.id for p in run.selection.plans] == ["cloudtrail", "cloudtrail-logs", "trail-bucket-logging", "trail-kms"]
    assert all(o.ok for o in run.outcomes), [o.failure for o in run.outcomes]
    for control_id in TRAIL_CONTROLS:
        finding = audit_one(ctx, control_id)
        assert finding.status is Status.PASS, (control_id, finding.summary, finding.resources)
    again = fix(ctx, *TRAIL_CONTROLS)
    assert again.selection.plans == []
    assert again.journal.entries == []


def test_existing_single_region_trail_is_made_compliant_not_duplicated(ctx) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="old-trail-bucket")
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1")
    cloudtrail.create_trail(Name="legacy", S3BucketName="old-trail-bucket")
    cloudtrail.put_event_selectors(
        TrailName="legacy",
        EventSelectors=[
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::data-bucket/"]}],
            },
        ],
    )
    run = fix(ctx, "2.1")
    operations = [s.operation for s in run.selection.plans[0].steps]
    assert operations == ["UpdateTrail", "PutEventSelectors", "StartLogging"]
    assert audit_one(ctx, "2.1").status is Status.PASS
    trails = cloudtrail.describe_trails()["trailList"]
    assert [t["Name"] for t in trails] == ["legacy"]
    selectors = cloudtrail.get_event_selectors(TrailName="legacy")["EventSelectors"]
    assert any(s.get("DataResources") for s in selectors), "existing data events must stay recorded"
