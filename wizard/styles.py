"""How a status and a risk look (rich styles): the same in the Textual app, the plain terminal and the table
report, so PASS is the same green everywhere."""

from __future__ import annotations

from rich.text import Text

from wizard.audit.findings import Status
from wizard.plans.model import Risk

STATUS_STYLES = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.MANUAL: "bold yellow",
    Status.ERROR: "bold magenta",
    Status.NOT_APPLICABLE: "dim",
}
STATUS_LABELS = {Status.NOT_APPLICABLE: "N/A"}
RISK_STYLES = {Risk.SAFE: "green", Risk.DISRUPTIVE: "yellow", Risk.IRREVERSIBLE: "bold red"}


def status_badge(status: Status | None) -> Text:
    """The status as styled text; "…" while it is not known yet."""
    if status is None:
        return Text("…", style="dim")
    return Text(STATUS_LABELS.get(status, status.value), style=STATUS_STYLES[status])
