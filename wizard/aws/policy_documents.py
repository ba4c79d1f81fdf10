"""Reading IAM and resource policy documents: statements in any of the shapes AWS accepts.

A document that is not JSON, nested deeper than any policy needs, or larger than AWS stores is a
`PolicyDocumentError` with a one-line reason, never a substitute document: the check that reads it reports
ERROR for that policy, and a fix built from it is refused.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from typing import Any, Final

# No policy grammar needs more than a handful of levels; json.loads itself recurses, so the depth is counted
# on the text first.
MAX_DEPTH: Final = 64
# IAM keeps at most 10,240 characters (a role's inline policy; managed 6,144, groups 5,120, users 2,048, not
# counting white space), S3 a 20 KB bucket policy: anything much larger is not a document AWS returned.
MAX_CHARS: Final = 64 * 1024


class PolicyDocumentError(ValueError):
    """A policy document that cannot be read: the message is the reason, in one line."""


def _check_text_depth(text: str) -> None:
    """Count brackets outside strings, without recursion, so a deeply nested text fails with a reason."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise PolicyDocumentError(f"the policy document is nested deeper than {MAX_DEPTH} levels")
        elif char in "]}":
            depth -= 1


def _check_value_depth(value: Any) -> None:
    """The same limit for a document AWS (or botocore) handed over already decoded."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise PolicyDocumentError(f"the policy document is nested deeper than {MAX_DEPTH} levels")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def parse_document_text(text: str) -> dict[str, Any]:
    """A policy document from its JSON text; PolicyDocumentError when it is huge, too deep or not an object."""
    if len(text) > MAX_CHARS:
        raise PolicyDocumentError(f"the policy document is {len(text):,} characters, more than AWS stores")
    _check_text_depth(text)
    try:
        loaded = json.loads(text)
    except ValueError as error:
        raise PolicyDocumentError(f"the policy document is not JSON ({error})") from error
    if not isinstance(loaded, dict):
        raise PolicyDocumentError(f"the policy document is a JSON {type(loaded).__name__}, not an object")
    return loaded


def load_document(document: Any) -> dict[str, Any]:
    """A policy document as a dict, whether AWS returned it decoded, as JSON text, or URL-encoded JSON."""
    if isinstance(document, dict):
        _check_value_depth(document)
        return document
    if not isinstance(document, str):
        raise PolicyDocumentError("there is no policy document" if document is None else "the document is not text")
    text = document
    if "%" in text and not text.lstrip().startswith("{"):  # URL-encoded, as IAM sends documents
        text = urllib.parse.unquote(text)
    return parse_document_text(text)


def decode_iam_documents(parsed: Any, shape: Any) -> None:
    """botocore's IAM `after-call` decoding of policyDocumentType strings, with `load_document`'s limits: a
    document it cannot read stays the text AWS sent (so the check names the reason), never RecursionError."""
    if shape is None or parsed is None:
        return
    if shape.type_name == "structure" and isinstance(parsed, dict):
        for name, member in shape.members.items():
            if name not in parsed:
                continue
            if member.type_name == "string" and member.name == "policyDocumentType":
                with contextlib.suppress(PolicyDocumentError):  # kept as sent: the reader names the reason
                    parsed[name] = load_document(parsed[name])
            else:
                decode_iam_documents(parsed[name], member)
    elif shape.type_name == "list" and isinstance(parsed, list):
        for item in parsed:
            decode_iam_documents(item, shape.member)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(document: Any) -> list[dict[str, Any]]:
    """The statements of a document; `Statement` may be one object or a list. PolicyDocumentError if unreadable."""
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


def service_grant(
    sid: str, service: str, action: str | list[str], resource: str, condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A statement of a resource policy that lets an AWS service principal in (CloudTrail writing to a bucket)."""
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": action,
        "Resource": resource,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement
