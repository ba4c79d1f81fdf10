"""Regenerate docs/overview.svg: the wizard's overview on the sandbox, as Textual renders it.

.venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from screens.app import WizardApp
from screens.overview import OverviewScreen
from wizard.sandbox import start_sandbox

HERE = Path(__file__).resolve().parent


async def main() -> None:
    with tempfile.TemporaryDirectory() as data, start_sandbox("fresh") as sandbox:
        os.environ["XDG_DATA_HOME"] = data
        app = WizardApp(sandbox_starter=lambda: sandbox, log_path=Path(data) / "log.jsonl", start_with_sandbox=True)
        async with app.run_test(size=(110, 34)) as pilot:
            for _ in range(400):
                await pilot.app.workers.wait_for_complete()
                await pilot.pause(0.05)
                if isinstance(app.screen, OverviewScreen):
                    break
            await pilot.pause(0.2)
            app.save_screenshot(filename="overview.svg", path=str(HERE))


if __name__ == "__main__":
    asyncio.run(main())
