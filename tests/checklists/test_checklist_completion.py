"""Each checklist's completion rule against moto: "verify now" re-reads AWS; API-visible controls complete only
when their check passes; 1.15 (and 1.17 without its API, 4.4 after review) by a recorded attestation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from actions.checklists import ChecklistRun, ChecklistStateError, VerifyOutcome, verify_now
from tests.support import networking
from tests.support.accounts import ACCOUNT_ID, OTHER
from tests.support.checklists import AccountFiles, console_replaces_root_virtual_mfa
from tests.support.identity import iam
from tests.support.networking import peered_route
from wizard.audit.findings import Status
from wizard.audit_log.reader import read_log
from wizard.audit_log.records import Kind
from wizard.audit_log.writer import AuditLog
from wizard.sandbox.backend_history import RootMfaHistory, assign_root_virtual_mfa
from wizard.sandbox.root_account import RootAccountState
from wizard.state.progress import Resolution, resolution

NOW = datetime.now(UTC)
CALLER_SUFFIX = ":user/moto"


@pytest.fixture
def log(files: AccountFiles) -> Iterator[AuditLog]:
    with files.open_log() as opened:
        yield opened


def start(files: AccountFiles, log: AuditLog, control_id: str) -> ChecklistRun:
    return ChecklistRun.open(control_id, ctx=files.ctx, regions=files.regions, log=log, progress=files.progress())


def kinds(files: AccountFiles, control_id: str) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    return [(r.kind, r.payload) for r in read_log(files.log_path).records if r.control == control_id]


def completed_by(files: AccountFiles, control_id: str) -> list[str]:
    return [p["by"] for k, p in kinds(files, control_id) if k == Kind.CHECKLIST and p.get("action") == "completed"]


# -- API-visible: complete only when the check passes --------------------------------------------------------
def test_1_1_completes_only_once_root_has_been_unused_for_90_days(files, log, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True, password_last_used=NOW - timedelta(days=3)))
    run = start(files, log, "1.1")
    for step in run.checklist.steps:
        run.mark_step_done(step.id)
    first = run.verify()
    assert first.outcome is VerifyOutcome.NOT_YET and not first.can_attest
    with pytest.raises(ChecklistStateError, match="cannot be attested"):
        run.attest("Dana", "root is locked away")
    seed_root(RootAccountState(mfa_enabled=True, password_last_used=NOW - timedelta(days=91)))
    assert run.verify().complete
    assert run.completed_by == "check" and completed_by(files, "1.1") == ["check"]


def test_1_2_completes_when_every_console_user_has_mfa(files, log) -> None:  # type: ignore[no-untyped-def]
    client = iam()
    client.create_user(UserName="alice")
    client.create_login_profile(UserName="alice", Password="Correct-Horse-42!")
    run = start(files, log, "1.2")
    before = run.verify()
    assert before.outcome is VerifyOutcome.NOT_YET
    assert [r.id for r in before.open_resources] == ["alice"]
    serial = client.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    client.enable_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    assert run.verify().complete


def test_1_12_completes_when_roots_key_is_gone(files, log, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True, access_key_active=True))
    run = start(files, log, "1.12")
    assert run.verify().outcome is VerifyOutcome.NOT_YET
    seed_root(RootAccountState(mfa_enabled=True, access_key_active=False))  # deleted as root, in the console
    assert run.verify().complete


def test_1_13_completes_when_root_has_mfa_and_cannot_be_attested(files, log, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=False))
    run = start(files, log, "1.13")
    assert run.verify().outcome is VerifyOutcome.NOT_YET
    with pytest.raises(ChecklistStateError):
        run.attest("Dana", "I turned it on, trust me")
    seed_root(RootAccountState(mfa_enabled=True))
    assert run.verify().complete
    assert not [k for k, _ in kinds(files, "1.13") if k == Kind.ATTESTATION]


def test_1_14_virtual_root_mfa_fails_until_the_console_swaps_it_for_hardware(files, log, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=True))
    serial = iam().create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")["VirtualMFADevice"][
        "SerialNumber"
    ]
    assign_root_virtual_mfa(ACCOUNT_ID, RootMfaHistory(serial, NOW - timedelta(days=30), NOW - timedelta(days=400)))
    run = start(files, log, "1.14")
    before = run.verify()
    assert before.outcome is VerifyOutcome.NOT_YET
    assert "virtual device" in before.finding.resources[0].reason
    console_replaces_root_virtual_mfa(ACCOUNT_ID, iam(), RootAccountState(mfa_enabled=True))
    after = run.verify()
    assert after.complete and after.finding.status is Status.PASS


def test_1_19_completes_when_the_instance_has_a_role_and_links_open_its_region(files, log) -> None:  # type: ignore[no-untyped-def]
    ec2 = boto3.client("ec2", region_name=OTHER)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0][
        "InstanceId"
    ]
    run = start(files, log, "1.19")
    assert run.link(run.checklist.step("attach-role")) == (
        "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances:"
    )
    assert run.verify().outcome is VerifyOutcome.NOT_YET
    assert OTHER in (run.link(run.checklist.step("attach-role")) or "")
    client = iam()
    client.create_role(RoleName="app", AssumeRolePolicyDocument="{}")
    client.create_instance_profile(InstanceProfileName="app")
    client.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": "app"}, InstanceId=instance)
    assert run.verify().complete


# -- by attestation -------------------------------------------------------------------------------------------
def test_1_15_completes_by_an_attestation_recorded_with_name_statement_time_and_caller(files, log) -> None:  # type: ignore[no-untyped-def]
    run = start(files, log, "1.15")
    with pytest.raises(ChecklistStateError, match=r"verify 1\.15 first"):
        run.attest("Dana Smith", "Questions are set.")
    verification = run.verify()
    assert verification.can_attest and verification.finding.status is Status.MANUAL
    with pytest.raises(ChecklistStateError, match="needs the name"):
        run.attest("  ", "Questions are set.")
    run.mark_step_done("set-questions")
    record = run.attest("Dana Smith", "Security questions are set; answers in the vault.")
    assert record.kind == Kind.ATTESTATION and record.control == "1.15"
    assert record.payload["by"] == "Dana Smith"
    assert record.payload["statement"] == "Security questions are set; answers in the vault."
    assert record.payload["finding"]["status"] == "MANUAL"
    assert record.payload["steps_done"] == ["set-questions"]
    assert record.caller.endswith(CALLER_SUFFIX) and record.user and record.time.endswith("Z")
    assert run.completed_by == "attestation" and completed_by(files, "1.15") == ["attestation"]
    attested = files.progress().attestation("1.15")
    assert attested is not None and attested.by == "Dana Smith" and attested.seq == record.seq
    # A later run finds it complete: the attestation still covers what the check shows.
    again = start(files, log, "1.15").verify()
    assert again.complete and again.attested is not None and again.attested.by == "Dana Smith"


def test_1_17_is_attested_where_the_contact_api_is_unsupported(stock_moto_account_api, files, log) -> None:  # type: ignore[no-untyped-def]
    run = start(files, log, "1.17")
    verification = run.verify()
    assert verification.finding.status is Status.ERROR
    assert verification.finding.error_code == "UnsupportedOperation"
    assert verification.can_attest
    run.attest("Dana Smith", run.checklist.completion.statement or "")
    assert run.completed_by == "attestation"


def test_4_4_shows_the_routes_then_completes_by_attestation_until_a_new_route_appears(files, log) -> None:  # type: ignore[no-untyped-def]
    table, peering = peered_route("10.2.1.0/24")
    run = start(files, log, "4.4")
    shown = run.verify()
    assert shown.can_attest and [r.id for r in shown.open_resources] == [f"{table}:10.2.1.0/24"]
    record = run.attest("Dana Smith", "Reviewed: only the app subnet is routed.")
    assert record.payload["finding"]["resources"][0]["id"] == f"{table}:10.2.1.0/24"
    progress = files.progress()
    assert resolution(verify_now(files.ctx, files.regions, "4.4"), progress) is Resolution.ATTESTED
    networking.ec2().create_route(
        RouteTableId=table, DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=peering
    )
    reopened = start(files, log, "4.4").verify()
    assert reopened.can_attest and not reopened.complete  # a route nobody reviewed
    assert resolution(reopened.finding, files.progress()) is Resolution.OPEN


def test_4_4_without_peering_routes_completes_by_check(files, log) -> None:  # type: ignore[no-untyped-def]
    run = start(files, log, "4.4")
    verification = run.verify()
    assert verification.complete and verification.finding.status is Status.NOT_APPLICABLE
    assert run.completed_by == "check"


# -- steps and records -------------------------------------------------------------------------------------------
def test_steps_are_recorded_once_and_kept_for_the_next_run(files, log) -> None:  # type: ignore[no-untyped-def]
    run = start(files, log, "1.14")
    assert run.mark_step_done("get-device") is not None
    assert run.mark_step_done("get-device") is None
    run.mark_step_done("sign-in-root")
    later = start(files, log, "1.14")
    assert list(later.steps_done()) == ["get-device", "sign-in-root"]
    assert later.next_step() is not None and later.next_step().id == "assign-hardware"  # type: ignore[union-attr]
    steps = [p for k, p in kinds(files, "1.14") if k == Kind.CHECKLIST]
    assert [p["step"] for p in steps] == ["get-device", "sign-in-root"]
    assert steps[0]["summary"] == "step 1 of 6 done: Get a hardware MFA device (two, if you can)"
    assert files.progress().last_control == "1.14"
    with pytest.raises(KeyError):
        run.mark_step_done("no-such-step")


def test_verify_is_fresh_and_recorded_each_time(files, log, seed_root) -> None:  # type: ignore[no-untyped-def]
    seed_root(RootAccountState(mfa_enabled=False))
    run = start(files, log, "1.13")
    run.verify()
    seed_root(RootAccountState(mfa_enabled=True))
    run.verify()
    verifies = [p for k, p in kinds(files, "1.13") if k == Kind.VERIFY]
    assert [(v["status"], v["outcome"], v["via"]) for v in verifies] == [
        ("FAIL", "not-yet", "checklist"),
        ("PASS", "complete", "checklist"),
    ]
