"""The `cis-wizard` command: `wizard.cli.entry_point`, except that `cis-wizard demo` starts the sandbox's
process first, before the command line's own imports, since the demo waits for the sandbox and not for them."""

from __future__ import annotations

import sys
from typing import NoReturn


def main() -> NoReturn:
    if sys.argv[1:2] == ["demo"]:
        from wizard.sandbox.process import start_early

        start_early()
    from wizard.cli import entry_point

    entry_point()
