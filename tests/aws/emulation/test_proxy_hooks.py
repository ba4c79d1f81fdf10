"""The fault proxy's handler hook the emulation is built on, and the emulation's behaviours switched one by one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from benchmarks.aws_emulation import BEHAVIOURS
from benchmarks.fault_proxy import FaultProxy, ProxyRequest, ProxyResponse, deny
from tests.support.accounts import ACCOUNT_ID
from tests.support.emulation import ClientFactory, Emulate, error_of

# -- the proxy's handler hook --------------------------------------------------------------------------


def test_a_handler_answers_rewrites_or_passes_and_handlers_nest_in_order(
    proxy: FaultProxy, client: ClientFactory
) -> None:
    seen: list[str] = []

    def outer(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        seen.append(f"outer {request.info.key} {request.form.get('Action')} {request.access_key}")
        response = forward()
        seen.append(f"outer saw {response.status}")
        return response

    def refuse(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        seen.append("refuse")
        return request.error(409, "EntityAlreadyExists", "emulated")

    def rewrite(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        response = forward()
        return response.replace(
            body=response.body.replace(b"<Account>" + ACCOUNT_ID.encode(), b"<Account>000000000000")
        )

    proxy.add_handler("iam:*", outer)
    refusing = proxy.add_handler("iam:CreateUser", refuse, name="refuser")
    proxy.add_handler(lambda info: info.key == "sts:GetCallerIdentity", rewrite)

    assert error_of(lambda: client("iam").create_user(UserName="u"))[:2] == ("EntityAlreadyExists", 409)
    assert seen == ["outer iam:CreateUser CreateUser testing", "refuse", "outer saw 409"]
    assert proxy.records[-1].handler == "refuser"  # answered without reaching moto
    assert client("sts").get_caller_identity()["Account"] == "000000000000"
    assert proxy.records[-1].handler is None  # moto answered; the handler only rewrote

    assert proxy.remove_handler(refusing) == 1
    assert client("iam").create_user(UserName="u")["User"]["UserName"] == "u"
    assert [h.name for h in proxy.handlers] == ["outer", "rewrite"]
    assert proxy.handlers[0].hits == 2


def test_rules_answer_before_handlers_and_a_broken_handler_answers_500(
    proxy: FaultProxy, client: ClientFactory
) -> None:
    def broken(request: ProxyRequest, forward: Callable[[], ProxyResponse]) -> ProxyResponse:
        raise RuntimeError("bug in a handler")

    proxy.add_handler("kms:*", broken)
    proxy.add_rule("kms:ListKeys", deny(times=1))
    assert error_of(client("kms").list_keys)[:2] == ("AccessDeniedException", 403)
    assert proxy.handler_errors == []  # the fault answered first
    code, status, message = error_of(client("kms").list_keys)
    assert (code, status) == ("InternalFailure", 500) and "bug in a handler" in message
    assert [(name, str(problem)) for name, problem in proxy.handler_errors] == [("broken", "bug in a handler")]


# -- behaviour switches ----------------------------------------------------------------------------------


def test_behaviours_are_switched_one_by_one(emulate: Emulate, proxy: FaultProxy, client: ClientFactory) -> None:
    emulation = emulate("opt_in_regions", "sns_pending")
    assert emulation.enabled == {"opt_in_regions", "sns_pending"}
    assert len(client("ec2").describe_regions()["Regions"]) == 17
    emulation.disable("opt_in_regions")
    assert len(client("ec2").describe_regions()["Regions"]) == 38  # moto's own answer
    emulation.enable("credential_report")
    assert [h.name for h in proxy.handlers] == ["aws_emulation.sns_pending", "aws_emulation.credential_report"]
    with pytest.raises(ValueError, match="unknown behaviour"):
        emulation.enable("eventual_consistency")
    emulation.remove()
    assert proxy.handlers == []
    assert set(BEHAVIOURS) == set(emulate().enabled)
