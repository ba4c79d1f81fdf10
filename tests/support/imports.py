"""What importing our modules drags in, seen from a fresh interpreter (the test process has imported everything)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI_LIBRARIES = ("textual", "questionary")


def modules_loaded_by(statements: str, packages: Iterable[str] = UI_LIBRARIES) -> list[str]:
    """Run the Python `statements` in a new interpreter; the modules of `packages` it then has in sys.modules."""
    wanted = sorted(set(packages))
    code = (
        f"{statements}\n"
        "import json, sys\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {wanted!r})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])
