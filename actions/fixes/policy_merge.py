"""Adding our statements to a resource policy without replacing what is there.

A bucket, key or topic the wizard reuses may already have a policy that others rely on; S3's PutBucketPolicy
and KMS's PutKeyPolicy replace the whole document. So our statements (each with its own Sid, from AWS's
documented templates) are merged in: a statement of ours already present unchanged is left alone, one with
our Sid but other content is replaced by ours, and everything else is kept as it is.
"""

from __future__ import annotations

import json
from typing import Any

from wizard.aws.policy_documents import as_list


def merged_policy(existing: dict[str, Any] | None, ours: list[dict[str, Any]]) -> str | None:
    """The existing document with `ours` merged in, as compact JSON; None when nothing would change."""
    document = dict(existing or {"Version": "2012-10-17"})
    statements = [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]
    by_sid = {s.get("Sid"): index for index, s in enumerate(statements) if s.get("Sid")}
    changed = existing is None
    for statement in ours:
        index = by_sid.get(statement["Sid"])
        if index is None:
            statements.append(statement)
            changed = True
        elif statements[index] != statement:
            statements[index] = statement
            changed = True
    if not changed:
        return None
    document.setdefault("Version", "2012-10-17")
    document["Statement"] = statements
    return json.dumps(document, separators=(",", ":"))


def statements_of(policy: str) -> list[dict[str, Any]]:
    """The statements of a policy this wizard wrote (compact JSON with a list of statements)."""
    return [s for s in as_list(json.loads(policy).get("Statement")) if isinstance(s, dict)]
