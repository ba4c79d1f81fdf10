"""Emulated account rules moto does not model: CreateBucket's location rules and global names, per-region
limits, opt-in regions."""

from __future__ import annotations

from benchmarks.aws_emulation import DEFAULT_ENABLED_REGIONS
from tests.support.accounts import ACCOUNT_ID, HOME, OTHER
from tests.support.emulation import ClientFactory, Emulate, error_of, trail_bucket

# -- 5. S3 CreateBucket ----------------------------------------------------------------------------------


def test_create_bucket_location_rules(emulate: Emulate, client: ClientFactory) -> None:
    emulate("s3_create_bucket")
    east, west = client("s3", HOME), client("s3", OTHER)
    assert error_of(
        lambda: east.create_bucket(Bucket="bucket-1", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    ) == ("InvalidLocationConstraint", 400, "The specified location-constraint is not valid")
    code, status, message = error_of(lambda: west.create_bucket(Bucket="bucket-1"))
    assert (code, status) == ("IllegalLocationConstraintException", 400) and message.startswith("The unspecified")
    code, _, message = error_of(
        lambda: west.create_bucket(Bucket="bucket-1", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    )
    assert code == "IllegalLocationConstraintException" and message.startswith("The eu-west-2 location constraint")
    east.create_bucket(Bucket="bucket-1")
    west.create_bucket(Bucket="bucket-2", CreateBucketConfiguration={"LocationConstraint": OTHER})
    east.create_bucket(
        Bucket="bucket-3", CreateBucketConfiguration={"LocationConstraint": OTHER}
    )  # from the global endpoint


def test_bucket_names_are_global(emulate: Emulate, client: ClientFactory) -> None:
    emulate("s3_create_bucket", taken_bucket_names={"cloudtrail-logs"})
    east, west = client("s3", HOME), client("s3", OTHER)
    in_west = {"LocationConstraint": OTHER}
    for s3, config in ((east, {}), (west, {"CreateBucketConfiguration": in_west})):
        assert error_of(lambda s3=s3, config=config: s3.create_bucket(Bucket="cloudtrail-logs", **config))[:2] == (
            "BucketAlreadyExists",
            409,
        )
    assert error_of(lambda: east.head_bucket(Bucket="cloudtrail-logs"))[:2] == ("403", 403)
    assert error_of(lambda: east.get_bucket_policy(Bucket="cloudtrail-logs"))[:2] == ("AccessDenied", 403)

    east.create_bucket(Bucket="ours-east")
    east.create_bucket(Bucket="ours-east")  # us-east-1: 200 OK again, for legacy compatibility
    west.create_bucket(Bucket="ours-west", CreateBucketConfiguration=in_west)
    for bucket in ("ours-east", "ours-west"):
        assert error_of(lambda bucket=bucket: west.create_bucket(Bucket=bucket, CreateBucketConfiguration=in_west))[
            :2
        ] == ("BucketAlreadyOwnedByYou", 409)
    assert error_of(lambda: east.create_bucket(Bucket="ours-west", CreateBucketConfiguration=in_west))[:2] == (
        "BucketAlreadyOwnedByYou",
        409,
    )


# -- 6. limits -------------------------------------------------------------------------------------------


def test_five_trails_per_region(emulate: Emulate, client: ClientFactory) -> None:
    emulate("limits")
    bucket = trail_bucket(client)
    west, east = client("cloudtrail", OTHER), client("cloudtrail", HOME)
    west.create_trail(Name="everywhere", S3BucketName=bucket, IsMultiRegionTrail=True)  # counts in us-east-1 too
    for number in range(4):
        east.create_trail(Name=f"trail-{number}", S3BucketName=bucket)
    assert error_of(lambda: east.create_trail(Name="sixth", S3BucketName=bucket)) == (
        "MaximumNumberOfTrailsExceededException",
        400,
        f"User: {ACCOUNT_ID} already has 5 trails in {HOME}.",
    )
    assert error_of(lambda: east.create_trail(Name="trail-0", S3BucketName=bucket)) == (
        "TrailAlreadyExistsException",
        400,
        f"Trail trail-0 already exists for customer: {ACCOUNT_ID}",
    )
    assert (
        error_of(lambda: east.create_trail(Name="everywhere", S3BucketName=bucket))[0] == "TrailAlreadyExistsException"
    )
    client("cloudtrail", "eu-west-2").create_trail(Name="elsewhere", S3BucketName=bucket)  # 2 in eu-west-2
    east.delete_trail(Name="trail-0")
    east.create_trail(Name="sixth", S3BucketName=bucket)


def test_one_configuration_recorder_and_one_delivery_channel_per_region(
    emulate: Emulate, client: ClientFactory
) -> None:
    emulate("limits")
    config = client("config")
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/config-role"
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})  # an update
    assert error_of(
        lambda: config.put_configuration_recorder(ConfigurationRecorder={"name": "second", "roleARN": role})
    ) == (
        "MaxNumberOfConfigurationRecordersExceededException",
        400,
        "Failed to put configuration recorder 'second' because the maximum number of configuration recorders: 1 "
        "is reached.",
    )
    client("config", OTHER).put_configuration_recorder(ConfigurationRecorder={"name": "second", "roleARN": role})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-logs"})
    assert error_of(
        lambda: config.put_delivery_channel(DeliveryChannel={"name": "second", "s3BucketName": "config-logs"})
    )[:2] == ("MaxNumberOfDeliveryChannelsExceededException", 400)


# -- 7. opt-in regions -----------------------------------------------------------------------------------


def test_describe_regions_answers_the_enabled_regions(emulate: Emulate, client: ClientFactory) -> None:
    emulate("opt_in_regions", opted_in_regions={"af-south-1"})
    ec2 = client("ec2")
    regions = {r["RegionName"]: r for r in ec2.describe_regions()["Regions"]}
    assert set(regions) == DEFAULT_ENABLED_REGIONS | {"af-south-1"}
    assert regions["us-east-1"]["OptInStatus"] == "opt-in-not-required"
    assert regions["af-south-1"]["OptInStatus"] == "opted-in"
    assert regions["eu-west-1"]["Endpoint"] == "ec2.eu-west-1.amazonaws.com"

    every = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    assert every["me-south-1"] == every["ap-east-1"] == every["eu-south-1"] == "not-opted-in"
    assert not [name for name in every if name.startswith(("cn-", "us-gov-"))]
    assert set(every) - set(regions) == {n for n, s in every.items() if s == "not-opted-in"}

    named = ec2.describe_regions(RegionNames=["me-south-1", "eu-west-1"])["Regions"]
    assert {r["RegionName"]: r["OptInStatus"] for r in named} == {
        "me-south-1": "not-opted-in",
        "eu-west-1": "opt-in-not-required",
    }
    filtered = ec2.describe_regions(AllRegions=True, Filters=[{"Name": "opt-in-status", "Values": ["opted-in"]}])
    assert [r["RegionName"] for r in filtered["Regions"]] == ["af-south-1"]
