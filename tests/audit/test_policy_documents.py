"""Hostile policy documents (5,000 levels deep, not JSON, huge) give a one-line reason: an ERROR on 1.22 for
that policy, a refused plan, never a traceback and never a substitute document."""

from __future__ import annotations

import json
import urllib.parse

import boto3
import pytest
from moto.iam.models import iam_backends

from tests.support.accounts import ACCOUNT_ID, HOME
from tests.support.auditing import audit_one, statuses
from tests.support.cli import run_cli
from tests.support.identity import iam
from wizard.audit.findings import Status
from wizard.aws.policy_documents import MAX_CHARS, PolicyDocumentError, load_document, statements

ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
DEEP = (
    json.dumps({"Version": "2012-10-17", "Statement": [ADMIN]})[:-2]
    + ',"Condition":'
    + ('{"a":' * 5000 + "1" + "}" * 5000 + "}]}")
)
NOT_JSON = "Version: 2012-10-17; Statement: allow everything"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (DEEP, "nested deeper than 64 levels"),
        (urllib.parse.quote(DEEP), "nested deeper than 64 levels"),  # as IAM sends it
        (NOT_JSON, "not JSON"),
        (urllib.parse.quote(NOT_JSON), "not JSON"),
        ("[1, 2]", "a JSON list, not an object"),
        ('{"Statement": "' + "x" * MAX_CHARS + '"}', "more than AWS stores"),
        (None, "there is no policy document"),
    ],
    ids=["deep", "deep-url-encoded", "not-json", "not-json-url-encoded", "a-list", "huge", "none"],
)
def test_an_unreadable_document_is_a_one_line_reason(document: object, reason: str) -> None:
    with pytest.raises(PolicyDocumentError, match=reason) as caught:
        load_document(document)
    assert "\n" not in str(caught.value)


def test_a_deep_decoded_document_is_refused_without_recursion() -> None:
    nested: dict = {}  # type: ignore[type-arg]
    for _ in range(5000):
        nested = {"a": nested}
    with pytest.raises(PolicyDocumentError, match="nested deeper than 64 levels"):
        statements({"Statement": [ADMIN], "Condition": nested})


def test_readable_documents_still_load_in_every_shape_aws_uses() -> None:
    text = json.dumps(READ)
    assert load_document(READ) == load_document(text) == load_document(urllib.parse.quote(text)) == READ
    assert load_document('  {"Statement": {"Sid": "100%"}}') == {"Statement": {"Sid": "100%"}}


def attached_policy(name: str, stored: str) -> str:
    """A customer-managed policy attached to a group, whose default version IAM holds as `stored`."""
    arn = iam().create_policy(PolicyName=name, PolicyDocument=json.dumps(READ))["Policy"]["Arn"]
    iam().create_group(GroupName=f"{name}-group")
    iam().attach_group_policy(GroupName=f"{name}-group", PolicyArn=arn)
    # moto validates what it is given; a hostile document is put where IAM would keep it
    iam_backends[ACCOUNT_ID]["aws"].managed_policies[arn].versions[0].document = stored
    return arn


HOSTILE = pytest.mark.parametrize(
    ("stored", "reason"), [(DEEP, "nested deeper than 64"), (NOT_JSON, "not JSON")], ids=["deep", "not-json"]
)


@HOSTILE
def test_1_22_reports_an_unreadable_document_as_an_error_of_that_policy(ctx, stored: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    bad = attached_policy("hostile", stored)
    admin = iam().create_policy(
        PolicyName="god", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [ADMIN]})
    )["Policy"]["Arn"]
    finding = audit_one(ctx, "1.22")
    assert statuses(finding) == {bad: Status.ERROR, admin: Status.PASS}  # admin is attached to nothing yet
    assert finding.status is Status.ERROR and finding.error_code == "MalformedPolicyDocument"
    [resource] = [r for r in finding.resources if r.id == bad]
    assert reason in resource.reason and "\n" not in resource.reason
    assert "Internal error" not in finding.summary and "RecursionError" not in finding.summary
    iam().create_group(GroupName="admins")
    iam().attach_group_policy(GroupName="admins", PolicyArn=admin)
    assert audit_one(ctx, "1.22").status is Status.FAIL  # an unreadable policy never hides an admin one


@HOSTILE
def test_plan_never_substitutes_a_document_it_cannot_read(endpoint: str, stored: str, reason: str) -> None:
    client = boto3.client("iam", endpoint_url=endpoint, region_name=HOME)
    client.create_user(UserName="dana")
    client.put_user_policy(UserName="dana", PolicyName="inline", PolicyDocument=json.dumps(READ))
    iam_backends[ACCOUNT_ID]["aws"].users["dana"].policies["inline"] = stored
    proc = run_cli("plan", "--endpoint-url", endpoint, "--controls", "1.16")
    output = proc.stdout + proc.stderr
    assert "'{}'" not in output and '"{}"' not in output
    assert "RecursionError" not in output and "Traceback" not in output
    assert reason in output
