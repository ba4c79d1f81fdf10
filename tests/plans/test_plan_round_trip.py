"""Every call of every plan for the fresh sandbox, rendered as an `aws` command and parsed back through
botocore's model, is the same operation with the same parameters; and a failure mid-plan stops it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from actions.workflow import prepare_fixes
from tests.support.cli_parse import parse_aws_command
from tests.support.fixing import ANSWERED, RecordingJournal
from tests.support.sandboxes import sandbox_context
from wizard.aws.context import AwsContext, AwsSettings
from wizard.plans.executor import StepStatus, run_plans
from wizard.sandbox import start_sandbox


@pytest.fixture
def sandbox_ctx() -> Iterator[AwsContext]:
    with start_sandbox("fresh", regions=["us-east-1", "eu-west-1"]) as sandbox:
        yield sandbox_context(sandbox)


def _same(value: Any) -> Any:
    """Parameters as the CLI carries them: tuples become lists, floats stay floats."""
    if isinstance(value, dict):
        return {k: _same(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_same(v) for v in value]
    return value


def test_every_rendered_call_parses_back_to_itself(sandbox_ctx: AwsContext) -> None:
    selection = prepare_fixes(sandbox_ctx, None, ANSWERED, sandbox_ctx.resolve_regions())
    steps = [step for plan in selection.plans for step in plan.steps if not step.refs]
    assert len(steps) > 40
    services = set()
    for step in steps:
        service, operation, params, region = parse_aws_command(step.cli())
        assert (service, operation, region) == (step.service, step.operation, step.region), step.cli()
        assert params == _same(dict(step.params)), step.cli()
        services.add(service)
    assert {"iam", "s3", "cloudtrail", "config", "logs", "cloudwatch", "sns", "ec2", "kms"} <= services


def test_a_failure_in_the_middle_of_a_plan_stops_it_and_says_what_ran(sandbox_ctx: AwsContext) -> None:
    from benchmarks.fault_proxy import FaultProxy, deny

    with FaultProxy(upstream=sandbox_ctx.endpoint_url or "") as proxy:
        proxy.add_rule("logs:CreateLogGroup", deny())
        ctx = AwsContext(
            AwsSettings(region="us-east-1", regions="us-east-1,eu-west-1", endpoint_url=proxy.url),
            session=sandbox_ctx.session,
        )
        from wizard.catalog import load_catalog

        selection = prepare_fixes(ctx, [load_catalog().get("2.4")], ANSWERED, ctx.resolve_regions())
        journal = RecordingJournal()
        outcomes = run_plans(ctx, selection.plans, journal)
    plan = outcomes[-1]
    assert plan.plan.id == "cloudtrail-logs"
    assert not plan.ok
    statuses = [(s.step.operation, s.status) for s in plan.steps]
    failed_at = next(i for i, (_, status) in enumerate(statuses) if status is StepStatus.FAILED)
    assert statuses[failed_at][0] == "CreateLogGroup"
    assert failed_at >= 1  # the role was created before it
    assert all(status is StepStatus.DONE for _, status in statuses[:failed_at])
    assert all(status is StepStatus.NOT_RUN for _, status in statuses[failed_at + 1 :])
    assert plan.failure is not None and plan.failure.error_code == "AccessDeniedException"
    intents = [e for e in journal.entries if e[0] == "intent"]
    results = [e for e in journal.entries if e[0] == "result"]
    ran_before = sum(len(o.steps) for o in outcomes[:-1])
    assert len(intents) == len(results) == ran_before + failed_at + 1
