"""Read calls that leave evidence behind: every call a collector makes is recorded as an `Evidence`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import botocore.exceptions
from botocore import xform_name

from wizard.audit.findings import Evidence
from wizard.aws.cli_commands import render_cli
from wizard.aws.context import AwsContext
from wizard.errors import AwsReadError

EVIDENCE_LIST_LIMIT = 25


def trim_for_evidence(value: Any, limit: int = EVIDENCE_LIST_LIMIT) -> Any:
    """A JSON-safe copy of a response, long lists cut to `limit` items plus a note of how many were cut."""
    if isinstance(value, dict):
        return {k: trim_for_evidence(v, limit) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        items = [trim_for_evidence(v, limit) for v in value[:limit]]
        if len(value) > limit:
            items.append(f"... and {len(value) - limit} more")
        return items
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _is_unsupported(error: botocore.exceptions.ClientError) -> bool:
    """An endpoint that does not implement an operation answers a bare HTTP 404/501 page, not an AWS error.

    A real AWS 404 (HeadBucket on a missing bucket) has code "404" too, so the body decides.
    """
    details = error.response.get("Error", {})
    code = str(details.get("Code") or "")
    message = str(details.get("Message") or "").lower()
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "NotImplemented" or status == 501:
        return True
    looks_unimplemented = "not yet implemented" in message or "not implemented" in message or "<html" in message
    return (code in {"404", ""} or status == 404) and looks_unimplemented


def error_code(error: Exception) -> str:
    if isinstance(error, botocore.exceptions.ClientError):
        if _is_unsupported(error):
            return "UnsupportedOperation"
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__


def error_message(error: Exception) -> str:
    if isinstance(error, botocore.exceptions.ClientError):
        if _is_unsupported(error):
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return f"the endpoint does not support this operation (HTTP {status})"
        message = str(error.response.get("Error", {}).get("Message") or error)
        return " ".join(message.split())[:300]
    return str(error)


class ReadApi:
    """Makes the read calls of one cached read and records each one as evidence."""

    def __init__(self, ctx: AwsContext, evidence: list[Evidence], waiting: Callable[[str], None] | None = None) -> None:
        self.ctx = ctx
        self.evidence = evidence
        self.waiting = waiting or (lambda what: None)  # told what a read waits for (a report being generated)

    def _record(self, service: str, operation: str, region: str, params: dict[str, Any], response: Any) -> None:
        self.evidence.append(
            Evidence(
                operation=f"{service}:{operation}",
                region=region,
                cli=render_cli(service, operation, params, region),
                response=trim_for_evidence(response),
            )
        )

    def _fail(self, service: str, operation: str, region: str, params: dict[str, Any], error: Exception) -> None:
        code, message = error_code(error), error_message(error)
        self._record(service, operation, region, params, {"Error": {"Code": code, "Message": message}})
        raise AwsReadError(f"{service}:{operation}", region, code, message) from error

    def call(
        self,
        service: str,
        operation: str,
        region: str,
        *,
        absent_codes: tuple[str, ...] = (),
        record: bool = True,
        **params: Any,
    ) -> dict[str, Any] | None:
        """One API call; None when AWS answers with one of `absent_codes` (e.g. NoSuchEntity)."""
        client = self.ctx.client(service, region)
        try:
            response = getattr(client, xform_name(operation))(**params)
        except botocore.exceptions.ClientError as error:
            if error_code(error) in absent_codes:
                self._record(service, operation, region, params, {"Error": {"Code": error_code(error)}})
                return None
            self._fail(service, operation, region, params, error)
        except botocore.exceptions.BotoCoreError as error:
            self._fail(service, operation, region, params, error)
        if record:
            self._record(service, operation, region, params, response)
        return response

    def paginate(self, service: str, operation: str, region: str, result_key: str, **params: Any) -> list[Any]:
        """Every page of a paginated read, merged on `result_key`, recorded as one piece of evidence."""
        return self.paginate_keys(service, operation, region, (result_key,), **params)[result_key]

    def paginate_keys(
        self, service: str, operation: str, region: str, result_keys: tuple[str, ...], **params: Any
    ) -> dict[str, list[Any]]:
        """Every page of a read with several result lists (get-account-authorization-details)."""
        client = self.ctx.client(service, region)
        merged: dict[str, list[Any]] = {key: [] for key in result_keys}
        try:
            for page in client.get_paginator(xform_name(operation)).paginate(**params):
                for key in result_keys:
                    merged[key].extend(page.get(key, []))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            self._fail(service, operation, region, params, error)
        self._record(service, operation, region, params, merged)
        return merged
