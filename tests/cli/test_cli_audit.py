"""`cis-wizard audit` end to end: a subprocess against a moto server on 127.0.0.1, and its bad-input paths."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import boto3
import pytest

from tests.support.accounts import ACCOUNT_ID
from tests.support.cli import run_cli
from tests.support.identity import CIS_PASSWORD_POLICY
from tests.support.imports import modules_loaded_by
from wizard.catalog import load_catalog


def test_json_audit_of_all_regions_reports_all_49_controls_in_order(endpoint: str, tmp_path: Path) -> None:
    client = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    client.update_account_password_policy(**CIS_PASSWORD_POLICY)
    out = tmp_path / "report.json"
    proc = run_cli("audit", "--endpoint-url", endpoint, "--regions", "all", "--format", "json", "--output", str(out))
    assert proc.returncode == 3, proc.stderr
    report = json.loads(out.read_text())
    assert report["benchmark"] == {"name": "CIS Amazon Web Services Foundations Benchmark", "version": "1.2.0"}
    assert report["account_id"] == ACCOUNT_ID
    assert [c["id"] for c in report["controls"]] == [c.id for c in load_catalog()]
    assert report["controls"][9]["id"] == "1.10"
    assert not [r for r in report["regions"] if r.startswith(("cn-", "us-gov-"))]
    assert len(report["regions"]) >= 17
    assert report["api_calls"] > 10 * len(report["regions"])
    by_id = {c["id"]: c for c in report["controls"]}
    assert {by_id[c]["status"] for c in ("1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11")} == {"PASS"}
    assert by_id["2.1"]["status"] == "FAIL"
    assert by_id["1.15"]["status"] == "MANUAL"
    assert by_id["4.3"]["status"] == "FAIL"
    assert {r["region"] for r in by_id["4.3"]["resources"]} == set(report["regions"])
    evidence = by_id["1.5"]["evidence"][0]
    assert evidence["operation"] == "iam:GetAccountPasswordPolicy"
    assert evidence["cli"] == "aws iam get-account-password-policy --region us-east-1"
    assert evidence["response"]["PasswordPolicy"]["MinimumPasswordLength"] == 14
    assert {k: v for k, v in by_id["1.5"].items() if k not in ("benchmark_ids", "resources", "evidence")} == {
        "id": "1.5",
        "title": "Ensure IAM password policy requires at least one uppercase letter",
        "section": "1",
        "level": 1,
        "scored": True,
        "status": "PASS",
        "summary": "The password policy requires an uppercase letter.",
        "fix": "auto",
        "security_hub": ["IAM.11"],
    }
    assert by_id["1.5"]["benchmark_ids"]["1.2.0"] == ["1.5"]
    assert by_id["1.5"]["resources"] == [
        {"id": "password-policy", "region": "global", "status": "PASS", "reason": "RequireUppercaseCharacters: True"}
    ]
    for control in report["controls"]:
        assert set(control) >= set(by_id["1.5"])  # every control reports the same fields
        assert control["status"] in {"PASS", "FAIL", "MANUAL", "ERROR", "NOT_APPLICABLE"}


def test_selected_controls_csv_and_table(endpoint: str) -> None:
    proc = run_cli("audit", "--endpoint-url", endpoint, "--controls", "1.5,4.*", "--format", "csv")
    assert proc.returncode == 3, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert {r["id"] for r in rows} == {"1.5", "4.1", "4.2", "4.3", "4.4"}
    table = run_cli("audit", "--endpoint-url", endpoint, "--controls", "1.12-1.13")
    assert table.returncode == 0, table.stderr
    assert "Score: 2/2 controls pass" in table.stdout
    assert "Identity and Access Management" in table.stdout


def test_endpoint_from_environment_is_honoured(endpoint: str) -> None:
    proc = run_cli("audit", "--controls", "1.13", "--format", "json", env={"AWS_ENDPOINT_URL": endpoint})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["controls"][0]["status"] == "PASS"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["audit", "--profile", "nobody"], {}, "Unknown AWS profile 'nobody'"),
        (["audit", "--regions", "us-east-9"], {}, "Unknown region 'us-east-9'"),
        (["audit", "--regions", "mars"], {}, "is not an AWS region name"),
        (["audit", "--region", "xx-1"], {}, "is not an AWS region name"),
        (["audit", "--controls", "9.9"], {}, "unknown control '9.9'"),
        (["audit", "--format", "xml"], {}, "invalid choice: 'xml'"),
        (["audit", "--frobnicate"], {}, "unrecognized arguments: --frobnicate"),
        (["audit", "--endpoint-url", "http://127.0.0.1:9"], {}, "Cannot reach http://127.0.0.1:9"),
        (
            ["audit"],
            {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_EC2_METADATA_DISABLED": "true"},
            "No AWS credentials found",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], env: dict[str, str], message: str) -> None:
    proc = run_cli(*args, env=env)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_unwritable_output_is_exit_2(endpoint: str, tmp_path: Path) -> None:
    proc = run_cli("audit", "--endpoint-url", endpoint, "--controls", "1.5", "--output", str(tmp_path))
    assert proc.returncode == 2
    assert "is a directory" in proc.stderr


def test_wizard_core_imports_no_ui_library() -> None:
    statements = (
        "import wizard, wizard.cli, wizard.audit.run, wizard.audit.reports, wizard.checks;"
        "import wizard.sandbox.root_account"
    )
    assert modules_loaded_by(statements) == []
