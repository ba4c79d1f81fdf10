"""The "s3_create_bucket" behaviour: CreateBucket's location rules, buckets already ours, and names other
accounts own."""

from __future__ import annotations

from collections.abc import Iterable

from benchmarks.aws_emulation.wire import Behaviour, Upstream, region_of, xml_text
from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse


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
        region, location = region_of(request), _location_constraint(request.body)
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
    return xml_text(body, "LocationConstraint") if body else None


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
