"""`cis-wizard log verify|show|export` in a subprocess: exit codes, filters, and the auditor's report."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.accounts import ACCOUNT_ID, CALLER
from tests.support.cli import run_cli
from tests.support.imports import modules_loaded_by
from tests.support.log_files import password_policy_call
from tests.support.moto import moto_server
from wizard.audit_log import AuditLog, Kind
from wizard.audit_log.paths import key_file_path

NASTY = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def file_keyring(file_key: Path) -> Path:
    """No keyring in here or in the subprocess: the key is the 0600 file beside the log, which both read."""
    return file_key


def run_log(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("log", *args, env=env)


def write_session(path: Path) -> None:
    """A fix session: plan with evidence before, confirm, two calls (one failed), one call with no result,
    a verify after, an attestation and a waiver."""
    with AuditLog(path, ACCOUNT_ID, CALLER, notice=lambda _: None) as log, log.session({"command": "apply"}):
        log.record(
            Kind.PLAN,
            {
                "plan": {
                    "id": "password-policy",
                    "controls": ["1.5", "1.6"],
                    "title": "Password policy",
                    "steps": [{"cli": "aws iam update-account-password-policy --minimum-password-length 14"}],
                },
                "before": {
                    "1.5": {
                        "status": "FAIL",
                        "summary": "no uppercase required",
                        "evidence": [
                            {
                                "operation": "iam:GetAccountPasswordPolicy",
                                "region": "us-east-1",
                                "cli": "aws iam get-account-password-policy",
                                "response": {"PasswordPolicy": {"MinimumPasswordLength": 8}},
                            }
                        ],
                    },
                    "1.6": {"status": "FAIL", "summary": "no lowercase required"},
                },
            },
            control_id="1.5",
        )
        log.record(Kind.CONFIRM, {"plan": "password-policy", "answer": "yes", "how": "--yes"}, control_id="1.5")
        call = password_policy_call()
        log.call_result(log.call_intent(call, control_id="1.5"), "ok", response={})
        tag = {
            "service": "iam",
            "operation": "TagUser",
            "region": "us-east-1",
            "params": {"UserName": NASTY},
            "cli": f"aws iam tag-user --user-name '{NASTY}'",
        }
        log.call_result(log.call_intent(tag, control_id="1.16"), "error", error="AccessDenied for " + NASTY)
        revoke = {
            "service": "ec2",
            "operation": "RevokeSecurityGroupIngress",
            "region": "eu-west-1",
            "cli": "aws ec2 x",
        }
        log.call_intent(revoke, control_id="4.3")
        log.record(Kind.VERIFY, {"status": "PASS", "summary": "policy ok"}, control_id="1.5")
        log.record(Kind.ATTESTATION, {"by": "Carol", "statement": "hardware MFA in the safe"}, control_id="1.14")
        log.record(Kind.WAIVER, {"by": "Dan", "reason": "peering reviewed"}, control_id="4.4")


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    write_session(path)
    return path


# -- verify ------------------------------------------------------------------------------------------


def test_verify_intact_is_exit_0(log_path: Path) -> None:
    proc = run_log("verify", "--log", str(log_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "intact" in proc.stdout and "records 1-12" in proc.stdout


def test_verify_tampered_is_exit_3_and_names_the_record(log_path: Path) -> None:
    lines = log_path.read_bytes().splitlines()
    lines[2] = lines[2].replace(b'"--yes"', b'"prompt"')
    log_path.write_bytes(b"\n".join(lines) + b"\n")
    proc = run_log("verify", "--log", str(log_path))
    assert proc.returncode == 3
    assert "TAMPERED at record 3 (line 3)" in proc.stdout
    as_json = run_log("verify", "--log", str(log_path), "--format", "json")
    assert as_json.returncode == 3
    assert json.loads(as_json.stdout)["first_bad_seq"] == 3


def test_verify_of_a_truncated_log_is_exit_3(log_path: Path) -> None:
    log_path.write_bytes(b"".join(line + b"\n" for line in log_path.read_bytes().splitlines()[:-1]))
    proc = run_log("verify", "--log", str(log_path))
    assert proc.returncode == 3 and "truncated" in proc.stdout


def test_verify_reports_a_torn_tail_and_stays_0(log_path: Path) -> None:
    with log_path.open("ab") as file:
        file.write(b'{"account":"1234')
    proc = run_log("verify", "--log", str(log_path))
    assert proc.returncode == 0
    assert "line 13 is a torn last line" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "--log", "{tmp}/nothing.jsonl"], "There is no audit log at"),
        (["verify", "--log", "{tmp}"], "is a directory"),
        (["verify", "--account", "12345"], "is not an AWS account id"),
        (["verify", "--account", ACCOUNT_ID], "There is no audit log at {tmp}/data/cis-wizard/logs/"),
        (["show", "--log", "{log}", "--since", "last tuesday"], "is not a date or time"),
        (["show", "--log", "{log}", "--kind", "call,gossip"], "Unknown record kind gossip"),
        (["export", "--log", "{log}", "--session", "nope"], "No session 'nope'"),
        (["export", "--log", "{log}", "--format", "pdf"], "invalid choice"),
        (["export", "--log", "{log}", "--output", "{tmp}"], "is a directory"),
        ([], "required: ACTION"),
    ],
)
def test_no_log_and_bad_input_are_exit_2_in_one_line(
    log_path: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    filled = [arg.format(tmp=tmp_path, log=log_path) for arg in args]
    proc = run_log(*filled)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message.format(tmp=tmp_path) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_verify_without_the_key_is_exit_2(log_path: Path) -> None:
    key_file_path(log_path).unlink()
    for name in ("pub", "signing-key"):  # with its public key alone, the log would verify
        log_path.with_name(f"{log_path.name}.{name}").unlink()
    proc = run_log("verify", "--log", str(log_path))
    assert proc.returncode == 2 and "No audit-log key for account" in proc.stderr


def test_the_default_log_of_an_account_is_found_by_account_id(tmp_path: Path) -> None:
    with AuditLog.open(ACCOUNT_ID, CALLER, notice=lambda _: None) as log:
        log.record(Kind.CHECKLIST, {"step": "1"})
    proc = run_log("verify", "--account", ACCOUNT_ID, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stderr
    assert f"data/cis-wizard/logs/{ACCOUNT_ID}.jsonl" in proc.stdout


@pytest.fixture(scope="module")
def identity_endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


def test_without_log_or_account_the_aws_identity_names_the_log(tmp_path: Path, identity_endpoint: str) -> None:
    with AuditLog.open(ACCOUNT_ID, CALLER, notice=lambda _: None) as log:
        log.record(Kind.CHECKLIST, {"step": "1"})
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "MOTO_ACCOUNT_ID": ACCOUNT_ID}
    proc = run_log("verify", "--endpoint-url", identity_endpoint, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"{ACCOUNT_ID}.jsonl: intact" in proc.stdout


# -- show --------------------------------------------------------------------------------------------


def test_show_lists_time_who_kind_control_outcome(log_path: Path) -> None:
    proc = run_log("show", "--log", str(log_path))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for text in ("Time (UTC)", "Who", "Kind", "Control", "Outcome", "session-start", "attestation", "waiver"):
        assert text in out
    assert "Password policy (1 call)" in out and "yes (--yes)" in out
    assert "intent iam:UpdateAccountPasswordPolicy us-east-1 → ok (#5)" in out
    assert "intent ec2:RevokeSecurityGroupIngress eu-west-1 → NO RESULT" in out
    assert "error: AccessDenied for" in out


def test_show_filters_by_kind_control_and_time(log_path: Path) -> None:
    calls = json.loads(run_log("show", "--log", str(log_path), "--kind", "call", "--format", "json").stdout)
    assert [r["payload"]["operation"] for r in calls] == [
        "UpdateAccountPasswordPolicy",
        "TagUser",
        "RevokeSecurityGroupIngress",
    ]
    control = json.loads(run_log("show", "--log", str(log_path), "--control", "1.5", "--format", "json").stdout)
    assert {r["control"] for r in control} == {"1.5"} and len(control) == 5
    globbed = json.loads(run_log("show", "--log", str(log_path), "--control", "4.*", "--format", "json").stdout)
    assert {r["control"] for r in globbed} == {"4.3", "4.4"}
    future = run_log("show", "--log", str(log_path), "--since", "2999-01-01", "--format", "json")
    assert future.returncode == 0 and json.loads(future.stdout) == []
    past = json.loads(run_log("show", "--log", str(log_path), "--until", "2000-01-01", "--format", "json").stdout)
    assert past == []
    everything = json.loads(run_log("show", "--log", str(log_path), "--since", "2000-01-01", "--format", "json").stdout)
    assert len(everything) == 12 and all("hmac" in r for r in everything)


# -- export ------------------------------------------------------------------------------------------


class _TagBalance(HTMLParser):
    """Checks that every opened element is closed in order (void elements aside) and collects text."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_export_is_a_readable_self_contained_escaped_report(log_path: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    proc = run_log("export", "--log", str(log_path), "--format", "html", "--output", str(output))
    assert proc.returncode == 0, proc.stderr
    page = output.read_text()
    parser = _TagBalance()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    assert "script" not in parser.tags  # the payload's <script> is text, not markup
    assert NASTY not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from anywhere
    text = " ".join(" ".join(parser.text).split())
    for expected in (
        f"Audit log report: AWS account {ACCOUNT_ID}",
        "Log INTACT",
        "Driven by",
        CALLER,
        "1.5 Ensure IAM password policy requires at least one uppercase letter",
        "Evidence before",
        "FAIL: no uppercase required",
        "aws iam get-account-password-policy",
        "aws iam update-account-password-policy --minimum-password-length 14",
        "yes (--yes)",
        "Verification after",
        "PASS: policy ok",
        "Fixed together with control 1.5",
        "error: AccessDenied for " + NASTY,
        "NO RESULT recorded",
        "Calls with no result",
        "attested by Carol",
        "waived: peering reviewed (owner Dan)",
    ):
        assert expected in text, expected


def test_html_export_of_a_tampered_log_says_so(log_path: Path, tmp_path: Path) -> None:
    lines = log_path.read_bytes().splitlines()
    del lines[4]
    log_path.write_bytes(b"".join(line + b"\n" for line in lines))
    proc = run_log("export", "--log", str(log_path), "--format", "html")
    assert proc.returncode == 0
    assert '<div class="banner bad">Log TAMPERED: at record 5: record 5 is missing' in proc.stdout
    assert "warning" in proc.stderr and "TAMPERED" in proc.stderr


def test_markdown_export_has_every_part_an_auditor_files(log_path: Path) -> None:
    proc = run_log("export", "--log", str(log_path), "--format", "md")
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout
    for expected in (
        f"# Audit log report: AWS account {ACCOUNT_ID}",
        "| Log verification | **INTACT**: records 1-12",
        "## Sessions",
        "### 1.5 Ensure IAM password policy requires at least one uppercase letter",
        "**Evidence before**",
        "` aws iam update-account-password-policy --minimum-password-length 14 `",
        "Result: \\#5",
        "**Verification after**",
        "### 4.3 ",
        "## Calls with no result",
        "**Attestations**",
        "**Waivers**",
    ):
        assert expected in report, expected
    assert report.index("### 1.5 ") < report.index("### 1.14 ") < report.index("### 4.3 ")  # 1.14 after 1.5


def test_json_export_by_session_and_by_date_range(log_path: Path) -> None:
    with AuditLog(log_path, ACCOUNT_ID, CALLER, notice=lambda _: None) as log, log.session({"command": "checklist"}):
        log.record(Kind.CHECKLIST, {"step": "enable hardware MFA", "status": "done"}, control_id="1.14")
    shown = json.loads(run_log("show", "--log", str(log_path), "--kind", "session-start", "--format", "json").stdout)
    first, second = (record["session"] for record in shown)

    by_prefix = json.loads(run_log("export", "--log", str(log_path), "--format", "json", "--session", first[:8]).stdout)
    assert by_prefix["scope"] == f"session {first}"
    assert [s["id"] for s in by_prefix["sessions"]] == [first]
    assert by_prefix["log"]["verification"]["intact"] is True
    controls = {c["id"]: c for c in by_prefix["controls"]}
    assert list(controls) == ["1.5", "1.6", "1.14", "1.16", "4.3", "4.4"]
    assert controls["1.5"]["evidence_before"][0]["status"] == "FAIL"
    assert controls["1.5"]["calls"][0]["result"]["payload"]["status"] == "ok"
    assert controls["1.6"]["fixed_by_plan_in"] == [{"control": "1.5", "seq": 2}]
    assert [c["payload"]["operation"] for c in by_prefix["unfinished_calls"]] == ["RevokeSecurityGroupIngress"]

    last = json.loads(run_log("export", "--log", str(log_path), "--format", "json", "--session", "last").stdout)
    assert [s["id"] for s in last["sessions"]] == [second] and last["records"] == 3

    dated = run_log(
        "export", "--log", str(log_path), "--format", "json", "--since", "2000-01-01", "--until", "2999-12-31"
    )
    assert json.loads(dated.stdout)["records"] == 15
    assert "from 2000-01-01 until 2999-12-31" in json.loads(dated.stdout)["scope"]


def test_the_log_commands_import_no_ui_library() -> None:
    statements = "import wizard.cli, wizard.audit_log, wizard.audit_log.commands, wizard.audit_log.html"
    assert modules_loaded_by(statements) == []
