"""The tamper-evident audit log: what the wizard changed, in which account, by whom, when, and with what result.

Append-only JSON Lines, one file per AWS account; every record chained to the one before by SHA-256, signed
with HMAC-SHA256 under a per-account key kept in the OS keyring, and with the log's Ed25519 key (`signing`),
which anyone with the public key can check. See `writer` for the API, `records` for the format, `verify` and
`chain` for what tampering looks like, `storage` for torn lines, `checkpoints` for the signed heads,
`bundle` for what an auditor is handed, `anchoring` for checkpoints kept outside the machine, and `report`
and `summary` for the report that opens with the answer.
"""

from wizard.audit_log.errors import AuditLogError, LogUnavailableError, MissingKeyError
from wizard.audit_log.paths import default_log_path
from wizard.audit_log.reader import read_log
from wizard.audit_log.records import Kind, Record
from wizard.audit_log.verify import VerifyReport, verify_log
from wizard.audit_log.writer import AuditLog, CallToken, PendingCall, unfinished_intents

__all__ = [
    "AuditLog",
    "AuditLogError",
    "CallToken",
    "Kind",
    "LogUnavailableError",
    "MissingKeyError",
    "PendingCall",
    "Record",
    "VerifyReport",
    "default_log_path",
    "read_log",
    "unfinished_intents",
    "verify_log",
]
