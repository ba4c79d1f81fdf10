"""The executor's journal in production: every call's intent and result in the account's audit log."""

from __future__ import annotations

import contextlib
from typing import Any

from botocore.exceptions import ClientError

from wizard.audit.findings import Finding
from wizard.audit_log.records import Kind
from wizard.audit_log.writer import AuditLog, CallToken
from wizard.aws.cli_commands import render_cli
from wizard.plans.executor import StepOutcome, StepStatus
from wizard.plans.model import ApiCall, Plan


def first_control(plan: Plan) -> str | None:
    """The record's `control` field: the first of the plan's controls (all of them are in "controls")."""
    return plan.control_ids[0] if plan.control_ids else None


class AuditLogJournal:
    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self._tokens: dict[str, tuple[CallToken, list[str]]] = {}

    def intent(self, plan: Plan, step: ApiCall, params: dict[str, Any]) -> str:
        token = self.log.call_intent(
            {
                "service": step.service,
                "operation": step.operation,
                "region": step.region,
                "params": params,
                "cli": render_cli(step.service, step.operation, params, step.region),
                "purpose": step.purpose,
                "risk": step.risk.value,
                "plan": plan.id,
                "step": step.id,
                "controls": list(plan.control_ids),
            },
            control_id=first_control(plan),
        )
        self._tokens[token.call_id] = (token, list(plan.control_ids))
        return token.call_id

    def result(self, token: str, outcome: StepOutcome) -> None:
        call, controls = self._tokens.pop(token)
        extra = {"controls": controls}
        if outcome.status is StepStatus.DONE:
            self.log.call_result(call, "ok", response=outcome.response, extra=extra)
            return
        error = ClientError(
            {"Error": {"Code": outcome.error_code or "Error", "Message": outcome.message or ""}}, outcome.step.operation
        )
        self.log.call_result(call, "error", error=error, extra=extra)


def record_plan(log: AuditLog, plan: Plan, findings: dict[str, Finding]) -> None:
    """The plan as shown, with the evidence it was built from (the auditor's "before")."""
    evidence = {
        c: {
            "status": findings[c].status.value,
            "summary": findings[c].summary,
            "evidence": [e.to_dict() for e in findings[c].evidence],
        }
        for c in plan.control_ids
        if c in findings
    }
    log.record(
        Kind.PLAN,
        {"plan": plan.to_dict(), "before": evidence, "controls": list(plan.control_ids)},
        control_id=first_control(plan),
    )


def record_confirm(log: AuditLog, plan: Plan, answer: str, how: str) -> None:
    log.record(
        Kind.CONFIRM,
        {"plan": plan.id, "answer": answer, "how": how, "controls": list(plan.control_ids)},
        control_id=first_control(plan),
    )


def record_verify(log: AuditLog, control_id: str, finding: Finding, plans: list[str] | None = None) -> None:
    log.record(
        Kind.VERIFY,
        {
            "status": finding.status.value,
            "summary": finding.summary,
            "resources": [r.to_dict() for r in finding.resources],
            "controls": [control_id],
            **({"plans": plans} if plans else {}),
        },
        control_id=control_id,
    )


class AuditLogRecorder:
    """What an apply run records, in the account's audit log: its session, each plan as shown, each confirm,
    each call's intent and result (the journal), and each verdict after."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self.journal = AuditLogJournal(log)

    def session(self, payload: dict[str, Any]) -> contextlib.AbstractContextManager[str]:
        return self.log.session(payload)

    def plan(self, plan: Plan, findings: dict[str, Finding]) -> None:
        record_plan(self.log, plan, findings)

    def confirm(self, plan: Plan, answer: str, how: str) -> None:
        record_confirm(self.log, plan, answer, how)

    def verify(self, control_id: str, finding: Finding, plans: list[str] | None = None) -> None:
        record_verify(self.log, control_id, finding, plans)
