"""What every behaviour stands on: moto read through the upstream URL with the caller's own key, the small
helpers that answer on the wire, and `Behaviour`, the base of each."""

from __future__ import annotations

import html
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from benchmarks.fault_proxy import Forward, ProxyRequest, ProxyResponse

Clock = Callable[[], float]  # seconds, monotonic: the emulation's sense of time (tests pass their own)
IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
FOUR_HOURS = 4 * 3600.0


# -- reading moto through the upstream ------------------------------------------------------------------


class Upstream:
    """boto3 clients straight to the upstream, signed with the caller's access key.

    moto does not check signatures, and it picks the account (and so the state) from the access key id: a
    client with the caller's key id and any secret reads exactly what the caller would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._session = boto3.session.Session()
        self._clients: dict[tuple[str, str, str, str | None], Any] = {}
        self._accounts: dict[str, str] = {}

    def client(self, request: ProxyRequest, service: str, region: str | None = None) -> Any:
        region = region or (request.info.region if request.info.region != "?" else "us-east-1")
        key = (service, region, request.access_key or "testing", request.session_token)
        with self._lock:  # creating clients from one session is not thread-safe
            if key not in self._clients:
                self._clients[key] = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.url,
                    aws_access_key_id=key[2],
                    aws_secret_access_key="emulation",
                    aws_session_token=key[3],
                    # moto answers an occasional 500 under many threads: retry those, never read them as verdicts
                    config=Config(retries={"mode": "standard", "max_attempts": 4}, s3={"addressing_style": "path"}),
                )
            return self._clients[key]

    def account_id(self, request: ProxyRequest) -> str:
        key = request.access_key
        with self._lock:
            known = self._accounts.get(key)
        if known is None:
            known = self.client(request, "sts").get_caller_identity()["Account"]
            with self._lock:
                self._accounts[key] = known
        return known


def error_code(problem: botocore.exceptions.ClientError) -> str:
    return str(problem.response.get("Error", {}).get("Code", ""))


# -- small wire helpers ---------------------------------------------------------------------------------


def xml_text(body: bytes, tag: str) -> str | None:
    """The text of the first <tag> element (moto's XML is flat enough for this)."""
    match = re.search(rb"<" + tag.encode() + rb">([^<]*)</" + tag.encode() + rb">", body)
    return html.unescape(match.group(1).decode()) if match else None


def xml_element(tag: str, text: str) -> str:
    return f"<{tag}>{html.escape(text, quote=False)}</{tag}>"


def query_answer(operation: str, result: Mapping[str, str], namespace: str = IAM_NAMESPACE) -> ProxyResponse:
    """A query-protocol (IAM) success answer with `result`'s members."""
    members = "".join(xml_element(k, v) for k, v in result.items())
    request_id = str(uuid.uuid4())
    body = (
        f'<{operation}Response xmlns="{namespace}"><{operation}Result>{members}</{operation}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>"
    )
    return ProxyResponse(200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode())


def region_of(request: ProxyRequest) -> str:
    return request.info.region if request.info.region != "?" else "us-east-1"


def trail_arn_of(name: str, region: str, account: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"


def key_under(prefix: str | None, key: str) -> str:
    return f"{prefix.strip('/')}/{key}" if prefix and prefix.strip("/") else key


# -- behaviours -----------------------------------------------------------------------------------------


class Behaviour:
    """One emulated behaviour: the requests it sees (`patterns`) and what it does with them (`handle`)."""

    name: str = ""
    patterns: tuple[str, ...] = ()

    def handle(self, request: ProxyRequest, forward: Forward) -> ProxyResponse:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what was seen (moto was reset)."""


def arn_element(arn: str) -> bytes:
    return f"<SubscriptionArn>{html.escape(arn, quote=False)}</SubscriptionArn>".encode()
