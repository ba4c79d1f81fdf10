"""Reading IAM and resource policy documents: statements in any of the shapes AWS accepts."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any


def load_document(document: Any) -> dict[str, Any]:
    """A policy document as a dict, whether AWS returned it decoded, as JSON text, or URL-encoded JSON."""
    if isinstance(document, dict):
        return document
    if isinstance(document, str):
        for text in (document, urllib.parse.unquote(document)):
            try:
                loaded = json.loads(text)
            except ValueError:
                continue
            if isinstance(loaded, dict):
                return loaded
    return {}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(document: Any) -> list[dict[str, Any]]:
    """The statements of a document; `Statement` may be one object or a list."""
    return [s for s in as_list(load_document(document).get("Statement")) if isinstance(s, dict)]


def grants_full_admin(statement: dict[str, Any]) -> bool:
    """An Allow of Action "*" on Resource "*" (each a string or a list containing "*")."""
    return (
        statement.get("Effect") == "Allow"
        and "*" in as_list(statement.get("Action"))
        and "*" in as_list(statement.get("Resource"))
    )


def document_grants_full_admin(document: Any) -> bool:
    return any(grants_full_admin(s) for s in statements(document))


def default_version_document(policy: dict[str, Any]) -> Any:
    """The default version's document of a policy from get-account-authorization-details."""
    for version in policy.get("PolicyVersionList", []):
        if version.get("IsDefaultVersion"):
            return version.get("Document")
    return None


def policy_json(*statements: dict[str, Any]) -> str:
    """A policy document (version 2012-10-17) of these statements, as the compact JSON IAM and S3 take."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, separators=(",", ":"))


def service_trust(service: str) -> str:
    """An assume-role policy that lets an AWS service (cloudtrail.amazonaws.com, ...) use the role."""
    return policy_json({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})
