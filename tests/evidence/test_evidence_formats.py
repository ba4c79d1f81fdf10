"""ASFF as Security Hub means it (checked against botocore's AwsSecurityFinding shape; imported with
BatchImportFindings into moto, 100 at a time, refusals reported), SARIF 2.1.0 and JUnit XML validated against
their schemas, and the later benchmark ids in every machine format."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import jsonschema
import pytest
import xmlschema
from botocore.validate import ParamValidator

from benchmarks.fault_proxy import FaultProxy, deny
from wizard.audit.formats.asff import asff_findings
from wizard.audit.formats.junit import render_junit
from wizard.audit.formats.sarif import render_sarif, sarif_log
from wizard.audit.formats.security_hub import import_findings
from wizard.audit.reports import render
from wizard.audit.run import AuditResult, run_audit
from wizard.aws.context import AwsContext, AwsSettings
from wizard.catalog import load_catalog
from wizard.cli import main
from wizard.sandbox import Sandbox, start_sandbox
from wizard.state.waivers import Waiver

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "schemas"
NASTY = "\x1b]8;;http://evil\x07click\x1b]8;;\x07 \u202egnp.exe"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as running:
        yield running


@pytest.fixture(scope="module")
def audit(sandbox: Sandbox) -> AuditResult:
    """The fresh sandbox audited with account:GetContactInformation denied: 1.17 is an ERROR (undecided)."""
    with FaultProxy(upstream=sandbox.endpoint_url) as proxy:
        proxy.add_rule("account:GetContactInformation", deny())
        settings = AwsSettings(region="us-east-1", regions="us-east-1,eu-west-1", endpoint_url=proxy.url)
        ctx = AwsContext(settings, session=sandbox.session())
        return run_audit(ctx, list(load_catalog()), ["us-east-1", "eu-west-1"])


def waiver(control_id: str, expires: dt.date, reason: str = "peering reviewed quarterly") -> Waiver:
    return Waiver(
        control_id=control_id,
        reason=reason,
        owner="net-team@example.com",
        expires=expires,
        granted_by="arn:aws:iam::123456789012:user/dana",
        granted_by_user="dana",
        granted_at="2025-05-01T09:30:00.000000Z",
        log_seq=41,
    )


@pytest.fixture
def waivers(audit: AuditResult) -> dict[str, Waiver]:
    today = audit.finished_at.date()
    return {
        "4.4": waiver("4.4", today + dt.timedelta(days=30)),  # MANUAL
        "2.9": waiver("2.9", today + dt.timedelta(days=30), reason=NASTY),  # FAIL
        "1.20": waiver("1.20", today - dt.timedelta(days=1)),  # FAIL, expired
        "1.17": waiver("1.17", today + dt.timedelta(days=30)),  # ERROR: no waiver covers it
    }


def by_control(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["ProductFields"]["cis-wizard/ControlId"]: f for f in findings}


# -- ASFF --------------------------------------------------------------------------------------------


def test_every_asff_finding_is_an_aws_security_finding_by_botocore(
    audit: AuditResult, waivers: dict[str, Waiver]
) -> None:
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    findings = asff_findings(audit, waivers)
    assert len(findings) == 49
    report = ParamValidator().validate({"Findings": findings}, shape)
    assert not report.has_errors(), report.generate_report()


def test_asff_statuses_mean_to_security_hub_what_they_are(audit: AuditResult, waivers: dict[str, Waiver]) -> None:
    findings = by_control(asff_findings(audit, waivers))
    statuses = {c: r.finding.status.value for c, r in ((r.control.id, r) for r in audit.results)}
    assert statuses["1.17"] == "ERROR" and statuses["4.4"] == "MANUAL" and statuses["1.13"] == "PASS"
    expected = {"PASS": ("PASSED", "RESOLVED"), "FAIL": ("FAILED", "NEW"), "MANUAL": ("WARNING", "NEW")}
    expected["ERROR"] = ("NOT_AVAILABLE", "NEW")
    for control_id, finding in findings.items():
        status = statuses[control_id]
        assert finding["Compliance"]["Status"] == expected[status][0], control_id
        if control_id not in ("4.4", "2.9"):
            assert finding["Workflow"]["Status"] == expected[status][1], control_id
        if status in ("ERROR", "MANUAL"):
            assert finding["Workflow"]["Status"] != "RESOLVED", control_id
    for control_id in ("4.4", "2.9"):  # waived: suppressed, and the note names the waiver
        assert findings[control_id]["Workflow"]["Status"] == "SUPPRESSED"
        note = findings[control_id]["Note"]["Text"]
        assert "Waived until" in note and "net-team@example.com" in note and "audit log record 41" in note
    assert "\x1b" not in findings["2.9"]["Note"]["Text"] and "\u202e" not in findings["2.9"]["Note"]["Text"]
    assert "\\x1b" in findings["2.9"]["Note"]["Text"]  # shown, never obeyed
    assert findings["1.20"]["Workflow"]["Status"] == "NEW" and "expired" in findings["1.20"]["Note"]["Text"]
    assert findings["1.17"]["Workflow"]["Status"] == "NEW" and "does not cover" in findings["1.17"]["Note"]["Text"]


def test_asff_resources_are_security_hub_types_with_arns(audit: AuditResult) -> None:
    findings = by_control(asff_findings(audit))
    kinds = {r["Type"] for f in findings.values() for r in f["Resources"]}
    assert "Other" not in kinds
    assert {"AwsIamUser", "AwsEc2SecurityGroup", "AwsEc2Vpc", "AwsCloudTrailTrail", "AwsKmsKey", "AwsAccount"} <= kinds
    users = findings["1.2"]["Resources"]
    assert {"Type": "AwsIamUser", "Id": "arn:aws:iam::123456789012:user/alice"}.items() <= users[0].items()
    group = findings["4.1"]["Resources"][0]
    assert group["Type"] == "AwsEc2SecurityGroup"
    assert group["Id"].startswith("arn:aws:ec2:us-east-1:123456789012:security-group/sg-")
    assert findings["2.6"]["Resources"][0]["Type"] == "AwsS3Bucket"
    root = findings["1.12"]["Resources"][0]
    assert (root["Type"], root["Id"]) == ("AwsAccount", "AWS::::Account:123456789012")
    keys = findings["1.3"]["Resources"]
    assert any(r["Details"]["Other"].get("credential") == "access_key_1" for r in keys)


def test_asff_has_a_remediation_and_the_later_benchmark_ids(audit: AuditResult) -> None:
    findings = by_control(asff_findings(audit))
    mfa = findings["1.2"]
    assert "cis-wizard checklist 1.2" in mfa["Remediation"]["Recommendation"]["Text"]
    assert mfa["Remediation"]["Recommendation"]["Url"].endswith("/iam-controls.html#iam-5")
    assert mfa["Compliance"]["RelatedRequirements"] == [
        "CIS AWS Foundations Benchmark v1.2.0/1.2",
        "CIS AWS Foundations Benchmark v1.4.0/1.10",
        "CIS AWS Foundations Benchmark v3.0.0/1.10",
        "CIS AWS Foundations Benchmark v5.0.0/1.9",
    ]
    assert mfa["ProductFields"]["cis-wizard/CIS-5.0.0"] == "1.9"
    assert findings["1.5"]["ProductFields"]["cis-wizard/CIS-1.4.0"] == "dropped"
    assert "cis-wizard apply --controls 1.9" in findings["1.9"]["Remediation"]["Recommendation"]["Text"]


# -- Security Hub import, against moto -----------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path) -> Path:
    return tmp_path / "logs" / "sandbox.jsonl"


def test_audit_security_hub_imports_every_finding_and_logs_the_calls(
    sandbox: Sandbox, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["audit", "--endpoint-url", sandbox.endpoint_url, "--region", "us-east-1", "--regions", "us-east-1"]
    code = main([*args, "--security-hub", "--format", "sarif", "--log", str(cli_env)])
    assert code == 3  # the account fails controls; the import itself went through
    captured = capsys.readouterr()
    assert "Security Hub: 49 of 49 findings imported in 1 BatchImportFindings call." in captured.err
    json.loads(captured.out)  # the SARIF still goes to standard output
    hub = sandbox.session().client("securityhub", endpoint_url=sandbox.endpoint_url, region_name="us-east-1")
    stored = hub.get_findings(MaxResults=100)["Findings"]
    ours = [f for f in stored if f["Id"].startswith("cis-wizard/123456789012/")]
    assert len(ours) == 49
    records = [json.loads(line) for line in cli_env.read_bytes().splitlines()]
    calls = [r for r in records if r["kind"] == "call"]
    assert [c["payload"]["operation"] for c in calls] == ["BatchImportFindings"]
    assert len(calls[0]["payload"]["params"]["Findings"]) == 49
    assert records[0]["payload"]["command"] == "audit --security-hub"


def test_findings_go_in_batches_of_100_and_refusals_are_reported(sandbox: Sandbox) -> None:
    template = asff_findings_for_import()
    many = [{**template, "Id": f"cis-wizard/test/{n}"} for n in range(250)]

    def refuse_one(request: Any, forward: Any) -> Any:
        answer = forward()
        body = json.loads(answer.body)
        body["SuccessCount"] -= 1
        body["FailedCount"] = 1
        body["FailedFindings"] = [
            {
                "Id": json.loads(request.body)["Findings"][0]["Id"],
                "ErrorCode": "InvalidInput",
                "ErrorMessage": "Finding does not adhere to Amazon Finding Format",
            }
        ]
        return answer.replace(body=json.dumps(body).encode())

    with FaultProxy(upstream=sandbox.endpoint_url) as proxy:
        proxy.add_handler("securityhub:BatchImportFindings", refuse_one)
        hub = sandbox.session().client("securityhub", endpoint_url=proxy.url, region_name="us-east-1")
        sizes: list[int] = []

        def call(intent: dict[str, Any], batch: list[dict[str, Any]]) -> dict[str, Any]:
            sizes.append(len(intent["params"]["Findings"]))
            reply: dict[str, Any] = hub.batch_import_findings(Findings=batch)
            return reply

        outcome = import_findings(many, call, "us-east-1")
    assert sizes == [100, 100, 50]
    assert (outcome.sent, outcome.imported, outcome.batches) == (250, 247, 3)
    assert [r.id for r in outcome.refused] == ["cis-wizard/test/0", "cis-wizard/test/100", "cis-wizard/test/200"]
    assert not outcome.complete
    assert "refused cis-wizard/test/100: InvalidInput: Finding does not adhere" in "\n".join(outcome.lines())


def asff_findings_for_import() -> dict[str, Any]:
    return {
        "SchemaVersion": "2018-10-08",
        "Id": "x",
        "ProductArn": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
        "GeneratorId": "cis-wizard/test",
        "AwsAccountId": "123456789012",
        "CreatedAt": "2025-05-01T09:30:00.000Z",
        "UpdatedAt": "2025-05-01T09:30:00.000Z",
        "Title": "a test finding",
        "Description": "a test finding",
        "Resources": [{"Type": "AwsAccount", "Id": "AWS::::Account:123456789012"}],
    }


# -- SARIF and JUnit -------------------------------------------------------------------------------------


def test_sarif_validates_against_the_sarif_2_1_0_schema(audit: AuditResult, waivers: dict[str, Waiver]) -> None:
    schema = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text())
    document = json.loads(render_sarif(audit, waivers))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    rules, results = run["tool"]["driver"]["rules"], run["results"]
    assert len(rules) == len(results) == 49  # one rule, one result per control
    assert len({r["id"] for r in rules}) == 49
    by_id = {r["ruleId"].rsplit("-", 1)[-1]: r for r in results}
    assert (by_id["1.13"]["kind"], by_id["1.2"]["kind"], by_id["4.4"]["kind"], by_id["1.17"]["kind"]) == (
        "pass",
        "fail",
        "review",
        "open",
    )
    assert by_id["1.2"]["level"] == "error" and by_id["1.13"]["level"] == "none"
    assert by_id["2.9"]["suppressions"][0]["status"] == "accepted"
    assert "\x1b" not in json.dumps(document, ensure_ascii=False)
    assert "suppressions" not in by_id["1.20"]  # expired
    mfa_rule = next(r for r in rules if r["id"] == "CIS-AWS-1.2.0-1.2")
    assert mfa_rule["properties"]["cis"] == {"1.2.0": ["1.2"], "1.4.0": ["1.10"], "3.0.0": ["1.10"], "5.0.0": ["1.9"]}
    assert by_id["4.1"]["locations"][0]["logicalLocations"][0]["kind"] == "AwsEc2SecurityGroup"


def test_junit_validates_against_the_jenkins_junit_schema(audit: AuditResult, waivers: dict[str, Waiver]) -> None:
    schema = xmlschema.XMLSchema(str(SCHEMAS / "jenkins-junit.xsd"))
    text = render_junit(audit, waivers)
    schema.validate(text)
    root = ET.fromstring(text)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 49 and len(root.findall("./testsuite")) == 4
    named = {case.get("name", "").split(" ", 1)[0]: case for case in cases}
    assert named["1.2"].find("failure") is not None
    assert named["1.17"].find("error") is not None
    assert named["2.9"].find("skipped") is not None and named["2.9"].find("failure") is None  # waived
    assert named["1.20"].find("failure") is not None  # its waiver expired
    assert named["4.4"].find("skipped") is not None  # MANUAL: a person must look
    assert named["1.13"].find("failure") is None and named["1.13"].find("skipped") is None
    counted = sum(int(suite.get("failures", "0")) for suite in root.findall("./testsuite"))
    assert counted == int(root.get("failures", "-1")) == sum(1 for c in cases if c.find("failure") is not None)
    assert "v5.0.0 1.9" in (named["1.2"].findtext("system-out") or "")


def test_the_json_names_the_later_ids_and_every_format_renders(audit: AuditResult) -> None:
    data = json.loads(render(audit, "json"))
    mfa = next(c for c in data["controls"] if c["id"] == "1.2")
    assert mfa["benchmark_ids"] == {"1.2.0": ["1.2"], "1.4.0": ["1.10"], "3.0.0": ["1.10"], "5.0.0": ["1.9"]}
    merged = next(c for c in data["controls"] if c["id"] == "4.2")
    assert merged["benchmark_ids"]["merged_with"] == ["4.1"]
    for fmt in ("table", "csv", "asff", "sarif", "junit"):
        assert render(audit, fmt)
    assert sarif_log(audit)["version"] == "2.1.0"
