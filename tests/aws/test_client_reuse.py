"""Clients of the wizard's sessions share one class per service (wizard.aws.client_reuse); nothing else changes."""

from __future__ import annotations

import boto3

from wizard.aws.context import AwsContext, AwsSettings


def test_contexts_share_one_class_per_service_across_regions_and_sessions(aws: None) -> None:
    first, second = AwsContext(AwsSettings()), AwsContext(AwsSettings())
    ec2_here, ec2_there = first.client("ec2", "us-east-1"), second.client("ec2", "eu-west-1")
    assert type(ec2_here) is type(ec2_there)
    assert ec2_there.meta.region_name == "eu-west-1" and ec2_here.meta.region_name == "us-east-1"
    assert type(first.client("kms")) is not type(ec2_here)


def test_a_shared_class_keeps_what_boto3_adds_and_works(aws: None) -> None:
    first, second = AwsContext(AwsSettings()), AwsContext(AwsSettings())
    s3 = second.client("s3")
    assert type(first.client("s3")) is type(s3)
    assert hasattr(s3, "upload_fileobj")  # boto3's creating-client-class handler added it to the shared class
    s3.create_bucket(Bucket="shared-class-bucket")
    assert [b["Name"] for b in first.client("s3").list_buckets()["Buckets"]] == ["shared-class-bucket"]


def test_sessions_made_elsewhere_keep_botocore_own_classes(aws: None) -> None:
    ours = AwsContext(AwsSettings()).client("sts")
    theirs = boto3.Session(region_name="us-east-1").client("sts")
    assert type(theirs) is not type(ours)


def test_each_client_keeps_its_own_handlers(aws: None) -> None:
    counted, other = AwsContext(AwsSettings()), AwsContext(AwsSettings())
    counted.client("sts").get_caller_identity()
    assert counted.api_calls == 1 and other.api_calls == 0
