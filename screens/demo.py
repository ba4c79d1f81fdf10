"""`cis-wizard demo`: the sandbox's process is started before anything else is imported, so that it restores
the account while this process loads Textual; the app then opens straight on the sandbox's audit.

No Textual import at module level: `demo_app` must start the sandbox first."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def demo_app(log_path: Path | None = None, sandbox: Any = None) -> Any:
    """The wizard against a sandbox account in its own process (`sandbox`, or a fresh one started now)."""
    from wizard.sandbox.process import start_sandbox_process

    sandbox = sandbox or start_sandbox_process("fresh")
    from screens.app import WizardApp

    app = WizardApp(sandbox_starter=lambda: sandbox, log_path=log_path, start_with_sandbox=True)
    app.sandbox = sandbox
    return app
