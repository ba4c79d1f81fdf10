"""CI runs exactly the README's test command: .ci/run holds its steps, one a line, in the same order."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme.split("## Set up", 1)[1].split("\n## ", 1)[0], re.S)
    assert len(blocks) == 2  # the demo, and the tests: exactly two set-up commands
    steps = [step.strip() for step in blocks[1].split(" && ")]
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line for line in script if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == steps
