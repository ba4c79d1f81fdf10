"""The "credential_report" behaviour: the credential report takes time to generate, and is reused for four hours."""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from benchmarks.aws_emulation.wire import Behaviour, Clock, Upstream, query_answer
from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse


@dataclass
class _Report:
    started: float  # clock time generation started
    content: bytes  # the CSV, as moto had it then
    generated: datetime
    expired: bool = False


class CredentialReports(Behaviour):
    """IAM generates a credential report in the background and reuses it for four hours
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html;
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html: ReportNotPresent 410,
    ReportInProgress 404, as botocore's iam model has them). moto answers COMPLETE at once and a fresh report
    every time. The snapshot is taken when generation starts, so a change made later is not in it until a
    new generation starts (after `reuse_seconds`, or `expire()`). ReportExpired is not emulated."""

    name = "credential_report"
    patterns = ("iam:GenerateCredentialReport", "iam:GetCredentialReport")

    def __init__(self, upstream: Upstream, seconds: float, reuse_seconds: float, clock: Clock) -> None:
        self.upstream = upstream
        self.seconds = seconds
        self.reuse_seconds = reuse_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._reports: dict[str, _Report] = {}  # account -> its latest report

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        arrived = self.clock()  # generation starts when asked for, however long moto takes to answer us
        account = self.upstream.account_id(request)
        if request.info.operation == "GenerateCredentialReport":
            return self._generate(request, account, arrived)
        with self._lock:
            report = self._reports.get(account)
        return self._get(request, report)

    def _generate(self, request: ProxyRequest, account: str, arrived: float) -> ProxyResponse:
        with self._lock:  # held while snapshotting, so two first calls start one generation
            report = self._reports.get(account)
            if report is None or report.expired or arrived - report.started >= self.reuse_seconds:
                self._reports[account] = _Report(arrived, self._snapshot(request), datetime.now(UTC))
                return query_answer(
                    "GenerateCredentialReport",
                    {"State": "STARTED", "Description": "No report exists. Starting a new report generation task"},
                )
        state = "INPROGRESS" if self._in_progress(report) else "COMPLETE"
        return query_answer("GenerateCredentialReport", {"State": state})

    def _get(self, request: ProxyRequest, report: _Report | None) -> ProxyResponse:
        if report is None:
            return request.error(
                410,
                "ReportNotPresent",
                "The request was rejected because the credential report does not exist. To generate a "
                "credential report, use GenerateCredentialReport.",
            )
        if self._in_progress(report):
            return request.error(
                404,
                "ReportInProgress",
                "The request was rejected because the credential report is still being generated.",
            )
        return query_answer(
            "GetCredentialReport",
            {
                "Content": base64.b64encode(report.content).decode(),
                "ReportFormat": "text/csv",
                "GeneratedTime": report.generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )

    def _in_progress(self, report: _Report) -> bool:
        return self.clock() - report.started < self.seconds

    def _snapshot(self, request: ProxyRequest) -> bytes:
        iam = self.upstream.client(request, "iam")
        iam.generate_credential_report()
        return bytes(iam.get_credential_report()["Content"])

    def expire(self) -> None:
        """The reports are older than four hours: the next GenerateCredentialReport starts a new one."""
        with self._lock:
            for report in self._reports.values():
                report.expired = True

    def reset(self) -> None:
        with self._lock:
            self._reports.clear()
