"""`audit --security-hub`: import the ASFF findings with BatchImportFindings, 100 at a time (its limit), and say
which ones Security Hub refused. Each call is in the audit log (intent before, result after), with the ids and
statuses it sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

BATCH: Final = 100


@dataclass(frozen=True)
class Refused:
    id: str
    code: str
    message: str


@dataclass
class ImportOutcome:
    sent: int = 0
    imported: int = 0
    batches: int = 0
    refused: list[Refused] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.refused and self.imported == self.sent

    def lines(self) -> list[str]:
        said = [
            f"Security Hub: {self.imported} of {self.sent} findings imported in {self.batches} "
            f"BatchImportFindings call{'s' if self.batches != 1 else ''}."
        ]
        said += [f"  refused {r.id}: {r.code}: {r.message}" for r in self.refused]
        return said


Call = Callable[[dict[str, Any], list[dict[str, Any]]], dict[str, Any]]  # (intent, findings) -> response


def batches(findings: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [findings[start : start + BATCH] for start in range(0, len(findings), BATCH)]


def import_findings(findings: list[dict[str, Any]], call: Call, region: str) -> ImportOutcome:
    """Send the findings; `call` makes one BatchImportFindings (and logs it)."""
    outcome = ImportOutcome(sent=len(findings))
    for number, batch in enumerate(batches(findings), start=1):
        intent = {
            "service": "securityhub",
            "operation": "BatchImportFindings",
            "region": region,
            "params": {
                # Each finding by its id and compliance status; in full, they are what `audit --format asff` prints.
                "Findings": [{"Id": f.get("Id"), "Compliance": f.get("Compliance", {}).get("Status")} for f in batch],
                "Batch": number,
            },
            "cli": f"aws securityhub batch-import-findings --findings file://findings-{number}.json --region {region}",
            "purpose": "send the audit's findings to Security Hub",
        }
        reply = call(intent, batch)
        outcome.batches += 1
        outcome.imported += int(reply.get("SuccessCount", 0))
        for failed in reply.get("FailedFindings", []):
            outcome.refused.append(
                Refused(
                    str(failed.get("Id", "?")), str(failed.get("ErrorCode", "?")), str(failed.get("ErrorMessage", ""))
                )
            )
    return outcome


def logged_call(log: Any, client: Any) -> Call:
    """A `Call` that makes each BatchImportFindings through the audit log."""

    def call(intent: dict[str, Any], batch: list[dict[str, Any]]) -> dict[str, Any]:
        with log.calling(intent) as pending:
            reply: dict[str, Any] = client.batch_import_findings(Findings=batch)
            pending.response = {
                "SuccessCount": reply.get("SuccessCount"),
                "FailedCount": reply.get("FailedCount"),
                "FailedFindings": reply.get("FailedFindings", []),
            }
        return reply

    return call


def send_to_security_hub(ctx: Any, result: Any, waivers: Any, log_path: Any) -> ImportOutcome:
    """Import the audit's findings into Security Hub in the home region, every call in the account's audit log
    (a session of its own: `audit --security-hub`)."""
    from wizard.audit.formats.asff import asff_findings
    from wizard.audit_log.writer import AuditLog

    identity = result.identity
    client = ctx.client("securityhub", ctx.home_region)
    findings = asff_findings(result, waivers)
    with (
        AuditLog.open(identity.account_id, identity.arn, log_path) as log,
        log.session({"command": "audit --security-hub", "findings": len(findings)}),
    ):
        return import_findings(findings, logged_call(log, client), ctx.home_region)
