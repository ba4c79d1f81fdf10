"""The "sns_pending" behaviour: e-mail and HTTP(S) subscriptions stay pending until the recipient confirms them."""

from __future__ import annotations

import re
import threading
from collections.abc import Collection

from benchmarks.aws_emulation.wire import Behaviour, arn_element, xml_text
from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse


class PendingSubscriptions(Behaviour):
    """HTTP/S and e-mail subscriptions wait for the endpoint owner to confirm
    (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html: Subscribe answers "pending confirmation"
    unless ReturnSubscriptionArn; https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
    lists them as "PendingConfirmation"); moto confirms at once. Cross-account SQS/Lambda subscriptions, which
    AWS also holds, and the 3-day expiry of unconfirmed ones are not modelled."""

    name = "sns_pending"
    patterns = (
        "sns:Subscribe",
        "sns:ListSubscriptions",
        "sns:ListSubscriptionsByTopic",
        "sns:GetSubscriptionAttributes",
        "sns:Unsubscribe",
    )

    def __init__(self, protocols: Collection[str]) -> None:
        self.protocols = frozenset(p.lower() for p in protocols)
        self._lock = threading.Lock()
        self._pending: dict[str, str] = {}  # subscription ARN -> endpoint
        self._confirmed: set[str] = set()

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        operation = request.info.operation
        if operation == "Subscribe":
            return self._subscribe(request, forward)
        response = forward()
        if response.status != 200:
            return response
        if operation == "Unsubscribe":
            with self._lock:
                self._pending.pop(request.form.get("SubscriptionArn", ""), None)
            return response
        if operation == "GetSubscriptionAttributes":
            return self._attributes(request, response)
        return response.replace(body=self._hide_pending(response.body))

    def _subscribe(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        params = request.form
        response = forward()
        arn = xml_text(response.body, "SubscriptionArn") if response.status == 200 else None
        if not arn or params.get("Protocol", "").lower() not in self.protocols:
            return response
        with self._lock:
            if arn in self._confirmed:
                return response  # subscribing a confirmed endpoint again answers its ARN
            self._pending[arn] = params.get("Endpoint", "")
        if params.get("ReturnSubscriptionArn", "").lower() == "true":
            return response
        body = response.body.replace(arn_element(arn), b"<SubscriptionArn>pending confirmation</SubscriptionArn>")
        return response.replace(body=body)

    def _hide_pending(self, body: bytes) -> bytes:
        with self._lock:
            pending = list(self._pending)
        for arn in pending:
            body = body.replace(arn_element(arn), b"<SubscriptionArn>PendingConfirmation</SubscriptionArn>")
        return body

    def _attributes(self, request: ProxyRequest, response: ProxyResponse) -> ProxyResponse:
        with self._lock:
            pending = request.form.get("SubscriptionArn", "") in self._pending
        if not pending:
            return response
        body = re.sub(rb"(<key>PendingConfirmation</key>\s*<value>)[^<]*(</value>)", rb"\1true\2", response.body)
        body = re.sub(rb"(<key>ConfirmationWasAuthenticated</key>\s*<value>)[^<]*(</value>)", rb"\1false\2", body)
        return response.replace(body=body)

    def confirm(self, endpoint: str | None = None) -> int:
        with self._lock:
            chosen = [arn for arn, owner in self._pending.items() if endpoint is None or owner == endpoint]
            for arn in chosen:
                del self._pending[arn]
                self._confirmed.add(arn)
        return len(chosen)

    @property
    def pending(self) -> dict[str, str]:
        with self._lock:
            return dict(self._pending)

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._confirmed.clear()
