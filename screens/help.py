"""Help: the keys, and what each screen is for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# cis-wizard

The wizard audits your AWS account against the **CIS AWS Foundations Benchmark v1.2.0**, then walks you
through each failing control: why it matters, the evidence, the exact AWS calls of the fix, a confirm,
the result, and a check that it now passes. Every change is written to a tamper-evident audit log.

| Key | Where | What |
|---|---|---|
| `Enter` | Overview | open the selected control |
| `n` | Overview, Control | the next failing control |
| `f` | Overview | show only failing controls |
| `a` | Control | apply the fix (you confirm every call first) |
| `k` | Control | skip: record a waiver with a reason, an owner and an expiry |
| `j` | Control | show the fix as commands or as JSON |
| `v` | Control | verify the control now |
| `l` / `s` | Overview | the audit log / the summary |
| `Esc` | anywhere | back (or cancel the audit) |
| `Ctrl+P` | anywhere | the command palette: every action by name |
| `Ctrl+T` | anywhere | light or dark theme |
| `Ctrl+Q` | anywhere | quit |

Nothing changes in your account unless you confirm it. Steps that cannot be undone ask you to type the
account id. The mouse works too: click rows, tabs and buttons.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close"), Binding("question_mark", "close", "Close", show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
