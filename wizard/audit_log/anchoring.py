"""`log anchor`: a signed checkpoint kept outside the machine, in a file the admin names or in an S3 object of
the account, in a versioned bucket the wizard creates for it; `log verify --anchor` holds the log against it.

Whoever can write the log's folder can roll the log and its head back together, and the folder alone cannot
tell. A checkpoint kept elsewhere can: the log must still hold the record it names, with that hash. A file
anchor keeps every checkpoint written to it (one a line); an S3 anchor keeps each as a version of one object,
and verify reads every version, so overwriting the object with an older checkpoint does not hide a rollback.

    s3://cis-wizard-anchors-<account>-<region>/cis-wizard/audit-log/<account>.json

The bucket is made with versioning on, every public access blocked and default encryption (SSE-S3); each call
is in the audit log (intent before, result after), and the checkpoint anchored covers the intent of its own
PutObject.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from wizard.audit_log.checkpoints import Checkpoint, parse_checkpoints
from wizard.audit_log.errors import LogUnavailableError
from wizard.audit_log.writer import AuditLog
from wizard.aws.cli_commands import render_cli
from wizard.errors import EXIT_FAILED, UsageError, WizardError

S3_PREFIX: Final = "s3://"
_MAX_VERSIONS: Final = 1000


class AnchorAwsError(WizardError):
    """AWS refused a call of the S3 anchor: nothing (more) was anchored or read (exit 3)."""

    exit_code = EXIT_FAILED


def aws_refusal(place: object, error: Exception) -> AnchorAwsError:
    """One sentence for an S3 error of the anchor (its code and message, as AWS gave them)."""
    details = getattr(error, "response", {}).get("Error", {}) if hasattr(error, "response") else {}
    code = details.get("Code") or type(error).__name__
    message = details.get("Message") or str(error)
    return AnchorAwsError(f"The S3 anchor {place}: AWS refused ({code}: {message}).")


@dataclass(frozen=True)
class S3Place:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"{S3_PREFIX}{self.bucket}/{self.key}"


def default_place(account_id: str, region: str, bucket: str | None = None) -> S3Place:
    return S3Place(bucket or f"cis-wizard-anchors-{account_id}-{region}", f"cis-wizard/audit-log/{account_id}.json")


def parse_place(text: str) -> S3Place | Path:
    """`s3://bucket/key` or a file path."""
    if text.startswith(S3_PREFIX):
        bucket, _, key = text[len(S3_PREFIX) :].partition("/")
        if not bucket or not key:
            raise UsageError(f"{text!r} is not s3://BUCKET/KEY.")
        return S3Place(bucket, key)
    return Path(text).expanduser()


# -- a file --------------------------------------------------------------------------------------------
def write_file_anchor(path: Path, checkpoint: Checkpoint) -> str:
    """Append the checkpoint to the file (created if need be; a symbolic link there is refused)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise UsageError(f"Cannot write the anchor {path}: {error.strerror or error}.") from error
    try:
        os.write(fd, checkpoint.line() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return str(path)


def read_file_anchor(path: Path) -> list[tuple[str, Checkpoint]]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as file:
            data = file.read()
    except OSError as error:
        raise LogUnavailableError(f"Cannot read the anchor {path}: {error.strerror or error}.") from error
    found, bad = parse_checkpoints(data)
    if bad or not found:
        raise LogUnavailableError(f"{path} is not an anchor of cis-wizard checkpoints (line {bad[0] if bad else 1}).")
    return [(f"the anchor {path} (line {n})", checkpoint) for n, checkpoint in enumerate(found, start=1)]


# -- an S3 object ----------------------------------------------------------------------------------------
Client = Any  # a boto3 S3 client


def _logged(log: AuditLog, client: Client, region: str, operation: str, params: dict[str, Any]) -> Any:
    """Make one S3 call, its intent logged before and its result after (as every change the wizard makes)."""
    call = {
        "service": "s3",
        "operation": operation,
        "region": region,
        "params": params,
        "cli": render_cli("s3", operation, params, region),
        "purpose": "keep the audit log's signed checkpoints outside this machine",
    }
    method: Callable[..., Any] = getattr(client, _snake(operation))
    with log.calling(call) as pending:
        pending.response = method(**params)
    return pending.response


def _snake(operation: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in operation).lstrip("_")


def _bucket_exists(client: Client, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def ensure_bucket(log: AuditLog, client: Client, place: S3Place, region: str) -> list[str]:
    """The anchor bucket, made private and versioned if it is not there; returns the calls made."""
    made: list[str] = []
    if not _bucket_exists(client, place.bucket):
        create: dict[str, Any] = {"Bucket": place.bucket}
        if region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": region}
        _logged(log, client, region, "CreateBucket", create)
        block = {
            key: True for key in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        }
        _logged(
            log,
            client,
            region,
            "PutPublicAccessBlock",
            {"Bucket": place.bucket, "PublicAccessBlockConfiguration": block},
        )
        encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        _logged(
            log,
            client,
            region,
            "PutBucketEncryption",
            {"Bucket": place.bucket, "ServerSideEncryptionConfiguration": encryption},
        )
        made += ["CreateBucket", "PutPublicAccessBlock", "PutBucketEncryption"]
    if client.get_bucket_versioning(Bucket=place.bucket).get("Status") != "Enabled":
        _logged(
            log,
            client,
            region,
            "PutBucketVersioning",
            {"Bucket": place.bucket, "VersioningConfiguration": {"Status": "Enabled"}},
        )
        made.append("PutBucketVersioning")
    return made


def write_s3_anchor(log: AuditLog, client: Client, place: S3Place, region: str) -> tuple[Checkpoint, str]:
    """PutObject of a checkpoint that covers the intent of that very PutObject; returns it and the version."""
    call = {
        "service": "s3",
        "operation": "PutObject",
        "region": region,
        "params": {"Bucket": place.bucket, "Key": place.key, "ContentType": "application/json"},
        "cli": f"aws s3api put-object --bucket {place.bucket} --key {place.key} --body checkpoint.json "
        f"--region {region}",
        "purpose": "anchor the audit log's newest signed checkpoint outside this machine",
    }
    with log.calling(call) as pending:
        checkpoint = log.checkpoint()
        if checkpoint is None:
            raise UsageError(
                f"The audit log {log.path} is not intact: `cis-wizard log verify` says why. Nothing was anchored."
            )
        body = checkpoint.line() + b"\n"
        reply = client.put_object(Bucket=place.bucket, Key=place.key, Body=body, ContentType="application/json")
        pending.response = {
            "VersionId": reply.get("VersionId"),
            "ETag": reply.get("ETag"),
            "anchored": checkpoint.to_dict(),
        }
    return checkpoint, str(reply.get("VersionId") or "")


def read_s3_anchor(client: Client, place: S3Place) -> tuple[list[tuple[str, Checkpoint]], str | None]:
    """Every version of the anchor object, oldest first; and a warning when the bucket is not versioned."""
    versions: list[dict[str, Any]] = []
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=place.bucket, Prefix=place.key):
        versions += [v for v in page.get("Versions", []) if v.get("Key") == place.key]
        if len(versions) >= _MAX_VERSIONS:
            break
    if not versions:
        raise LogUnavailableError(f"There is no anchor at {place}.")
    found: list[tuple[str, Checkpoint]] = []
    for version in sorted(versions, key=lambda v: v.get("LastModified") or 0):
        vid = version.get("VersionId")
        body = client.get_object(Bucket=place.bucket, Key=place.key, VersionId=vid)["Body"].read(1 << 20)
        checkpoints, bad = parse_checkpoints(body)
        if bad or len(checkpoints) != 1:
            raise LogUnavailableError(f"Version {vid} of {place} is not a cis-wizard checkpoint.")
        found.append((f"the anchor {place} (version {vid})", checkpoints[0]))
    status = client.get_bucket_versioning(Bucket=place.bucket).get("Status")
    warning = None if status == "Enabled" else f"the bucket {place.bucket} is not versioned: older anchors may be lost"
    return found, warning


def describe(checkpoint: Checkpoint) -> str:
    return json.dumps(checkpoint.to_dict(), sort_keys=True)
