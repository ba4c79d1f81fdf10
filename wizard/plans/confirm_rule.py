"""The one rule for how strongly a plan must be confirmed, shared by the command line and the wizard.

Safe plans need a plain yes (default No). Disruptive plans (they may break a workload: the affected
resources are listed before the question) need the word "yes" typed. Irreversible plans need the account
id typed, so nobody confirms one out of habit in the wrong account.
"""

from __future__ import annotations

from wizard.plans.model import Risk

RISK_ORDER = (Risk.SAFE, Risk.DISRUPTIVE, Risk.IRREVERSIBLE)


def required_typing(risk: Risk, account_id: str) -> str | None:
    """What must be typed to confirm a plan of this risk, or None when a yes (a focused button) is enough."""
    if risk is Risk.IRREVERSIBLE:
        return account_id
    if risk is Risk.DISRUPTIVE:
        return "yes"
    return None


def typed_matches(typed: str, risk: Risk, account_id: str) -> bool:
    """Whether `typed` confirms a plan of this risk (the word is matched without case, the id exactly)."""
    required = required_typing(risk, account_id)
    if required is None:
        return True
    answer = typed.strip()
    return answer == required if risk is Risk.IRREVERSIBLE else answer.lower() == required


def prompt_for(risk: Risk, account_id: str, what: str) -> str:
    """The question that asks for the typed confirmation (or the yes) of `what`."""
    if risk is Risk.IRREVERSIBLE:
        return f"This cannot be undone. Type the account id ({account_id}) to apply {what}:"
    if risk is Risk.DISRUPTIVE:
        return f"This may break what relies on the current setup (listed above). Type yes to apply {what}:"
    return f"Apply {what}?"


def parse_risks(text: str) -> frozenset[Risk]:
    """`--risk safe,disruptive` as a set of risks; an unknown name is a ValueError naming the choices."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = {risk.value: risk for risk in Risk}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(f"--risk takes {', '.join(known)} (comma-separated), not {text!r}")
    return frozenset(known[name] for name in names)
