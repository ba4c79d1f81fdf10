"""One check per CIS control, one module per benchmark section (section 1's password policy rules in a module of
their own). Importing this package registers all of them in `CHECKS`; each is registered by its literal id,
so the check of control "3.4" is `@register("3.4", ...)` in section_3_monitoring.py."""

from wizard.checks import (
    section_1_identity,
    section_1_password_policy,
    section_2_logging,
    section_3_monitoring,
    section_4_networking,
)
from wizard.checks.registry import CHECKS, Check, run_check

__all__ = [
    "CHECKS",
    "Check",
    "run_check",
    "section_1_identity",
    "section_1_password_policy",
    "section_2_logging",
    "section_3_monitoring",
    "section_4_networking",
]
