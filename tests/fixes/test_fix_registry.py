"""The registration is a fix's contract: its plans carry the registered id, title, controls and prerequisites,
and a read that fails becomes a refused plan, written once for every builder."""

from __future__ import annotations

from typing import Any

from actions.options import FixOptions
from actions.registry import FixContext, FixDefinition, PlanDraft, build_plan
from wizard.errors import AwsReadError
from wizard.plans.model import ApiCall


def _context(chosen: frozenset[str] = frozenset()) -> FixContext:
    # The builders below read nothing, so no inventory or identity is needed.
    none: Any = None
    return FixContext(none, FixOptions(), none, chosen=chosen)


def _step() -> ApiCall:
    return ApiCall("start", "cloudtrail", "StartLogging", {"Name": "t"}, "us-east-1", "start logging")


def test_a_plan_is_stamped_from_its_registration() -> None:
    definition = FixDefinition("demo", ("9.1", "9.2"), "A demo fix", lambda fix: PlanDraft([_step()]), ("before",))
    plan = build_plan(definition, _context())
    assert (plan.id, plan.title, plan.control_ids, plan.requires) == ("demo", "A demo fix", ("9.1", "9.2"), ("before",))
    assert plan.steps == (_step(),)
    assert build_plan(definition, _context(frozenset({"9.2"}))).control_ids == ("9.2",)


def test_a_builder_may_name_fewer_controls_than_registered() -> None:
    definition = FixDefinition("demo", ("9.1", "9.2"), "A demo fix", lambda fix: PlanDraft(control_ids=["9.2"]))
    assert build_plan(definition, _context()).control_ids == ("9.2",)


def test_a_failed_read_is_a_refused_plan_under_the_registered_title() -> None:
    def build(fix: FixContext) -> PlanDraft:
        raise AwsReadError("iam:GetAccountAuthorizationDetails", "us-east-1", "AccessDenied", "not allowed")

    plan = build_plan(FixDefinition("demo", ("9.1",), "A demo fix", build), _context())
    assert plan.is_empty and plan.title == "A demo fix" and plan.control_ids == ("9.1",)
    assert plan.refused == (
        "cannot read what this fix needs: AccessDenied: iam:GetAccountAuthorizationDetails failed in us-east-1: "
        "not allowed"
    )
