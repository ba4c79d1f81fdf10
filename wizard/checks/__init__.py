"""One check per CIS control. Importing this package registers all of them in `CHECKS`."""

from wizard.checks import identity, logging, monitoring, networking
from wizard.checks.registry import CHECKS, Check, run_check

__all__ = ["CHECKS", "Check", "identity", "logging", "monitoring", "networking", "run_check"]
