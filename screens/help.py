"""Help: every key of every screen, generated from the screens' own bindings (so it cannot drift from them),
and what each screen is for."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

INTRO = """\
# cis-wizard

The wizard audits your AWS account against the **CIS AWS Foundations Benchmark v1.2.0**, then walks you
through each failing control: why it matters, the evidence, the exact AWS calls of the fix, a confirm,
the result, and a check that it now passes. Every change is written to a tamper-evident audit log.

Nothing changes in your account unless you confirm it: no single key says Yes. Steps that cannot be undone
ask you to type the account id. While a text field is on screen, letter keys type into it.

**Focus:** `Tab` / `Shift+Tab` move the focus between the parts of a screen, into a tab's content too: on
a control, `Tab` from the tabs into the Fix, Evidence or Why text, then the arrow keys and `PgUp`/`PgDn`
scroll it. On the tabs themselves, `←`/`→` switch tab. `Ctrl+P` opens the command palette: every action
by name, and every control by its id ("1.14"). The mouse works too.
"""

KEY_NAMES = {
    "escape": "Esc",
    "question_mark": "?",
    "enter": "Enter",
    "home": "Home",
    "end": "End",
    "tab": "Tab",
}


def key_text(key: str) -> str:
    """`ctrl+q` -> `Ctrl+Q`, `escape` -> `Esc`, `question_mark` -> `?`."""
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    if "+" in key:
        *modifiers, last = key.split("+")
        return "+".join([*(m.capitalize() for m in modifiers), KEY_NAMES.get(last, last.upper())])
    return key


def screens_and_keys() -> list[tuple[str, str, list[Any]]]:
    """(screen, what it is for, its bindings) for every screen, the tables and the whole app."""
    from screens.accounts import AccountsScreen
    from screens.app import WizardApp
    from screens.apply import ApplyScreen
    from screens.audit import AuditScreen
    from screens.checklist import ChecklistScreen
    from screens.confirm import ConfirmScreen
    from screens.connect import ConnectScreen
    from screens.control import ControlScreen
    from screens.fix_all import FixAllScreen
    from screens.leave import LeaveScreen
    from screens.log_view import LogScreen
    from screens.overview import OverviewScreen
    from screens.summary import SummaryScreen
    from screens.waiver import WaiverScreen
    from screens.widgets import RowTable

    return [
        ("Anywhere", "", list(WizardApp.BINDINGS)),
        ("Connect", "choose the account: profile, regions, endpoint; or the sandbox", list(ConnectScreen.BINDINGS)),
        ("Accounts", "several accounts: each one's score; Enter opens one", list(AccountsScreen.BINDINGS)),
        ("Audit", "the reads and checks as they run", list(AuditScreen.BINDINGS)),
        ("Overview", "every control, its status, waiver and fix; Enter opens one", list(OverviewScreen.BINDINGS)),
        ("Tables", "the overview's controls, the log's records", list(RowTable.BINDINGS)),
        ("Control", "Fix (the calls), Evidence, Why (the benchmark's text)", list(ControlScreen.BINDINGS)),
        ("Checklist", "the console steps of a control no API fixes", list(ChecklistScreen.BINDINGS)),
        ("Confirm", "every call listed; Yes is a button: Tab to it, Enter", list(ConfirmScreen.BINDINGS)),
        ("Waiver", "reason, owner, expiry; Enter moves to the next field", list(WaiverScreen.BINDINGS)),
        ("Fix all", "every plan by risk; untick, then confirm", list(FixAllScreen.BINDINGS)),
        ("Apply", "each call's result, then the controls' new status", list(ApplyScreen.BINDINGS)),
        ("Log", "the audit log, verified", list(LogScreen.BINDINGS)),
        ("Summary", "before and after; export the report", list(SummaryScreen.BINDINGS)),
        ("Leave", "leaving the account (Esc on the overview) is asked", list(LeaveScreen.BINDINGS)),
        ("Help", "this screen", list(HelpScreen.BINDINGS)),
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def help_markdown() -> str:
    lines = [INTRO, "", "| Key | Screen | What |", "|---|---|---|"]
    for screen, _, bindings in screens_and_keys():
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            what = binding.tooltip or binding.description
            lines.append(f"| `{_cell(key_text(binding.key))}` | {screen} | {_cell(what)} |")
    lines += ["", "## The screens", ""]
    lines += [f"- **{screen}**: {purpose}" for screen, purpose, _ in screens_and_keys() if purpose]
    return "\n".join(lines) + "\n"


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", tooltip="Close the help"),
        Binding("question_mark", "close", "Close", show=False, tooltip="Close the help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Markdown(help_markdown())

    def action_close(self) -> None:
        self.dismiss(None)
