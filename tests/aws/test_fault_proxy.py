"""benchmarks.fault_proxy in front of a moto server: each rule, switching off and on, counts, 32 clients."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from benchmarks.fault_proxy import FaultProxy, RequestInfo, classify, faults

REGION = "us-east-1"
NO_RETRIES = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10)
STANDARD_RETRIES = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=10)

ClientFactory = Callable[..., Any]


@pytest.fixture
def client(proxy: FaultProxy) -> ClientFactory:
    """client("kms") talks to the proxy without retries; client("kms", STANDARD_RETRIES) retries."""

    def make(service: str, config: Config = NO_RETRIES) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=proxy.url, config=config)

    return make


def error_of(call: Callable[[], object]) -> tuple[str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_names_service_and_operation_of_every_protocol(proxy: FaultProxy, client: ClientFactory) -> None:
    client("sts").get_caller_identity()  # query
    client("iam").get_account_summary()
    client("iam").get_account_summary()
    client("ec2").describe_vpcs()  # ec2
    client("kms").list_keys()  # json
    client("cloudwatch").describe_alarms()  # json (awsQueryCompatible)
    s3 = client("s3", Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))
    s3.create_bucket(Bucket="proxy-counts")  # rest-xml
    s3.get_bucket_acl(Bucket="proxy-counts")
    assert error_of(lambda: client("account").get_alternate_contact(AlternateContactType="SECURITY"))[0] == (
        "ResourceNotFoundException"  # rest-json, answered by moto through the proxy
    )

    assert proxy.counts == Counter(
        {
            ("sts", "GetCallerIdentity"): 1,
            ("iam", "GetAccountSummary"): 2,
            ("ec2", "DescribeVpcs"): 1,
            ("kms", "ListKeys"): 1,
            ("cloudwatch", "DescribeAlarms"): 1,
            ("s3", "CreateBucket"): 1,
            ("s3", "GetBucketAcl"): 1,
            ("account", "GetAlternateContact"): 1,
        }
    )
    assert proxy.total == 9
    assert proxy.count("iam:*") == 2
    protocols = {r.info.key: r.info.protocol for r in proxy.records}
    assert protocols["sts:GetCallerIdentity"] == "query"
    assert protocols["ec2:DescribeVpcs"] == "ec2"
    assert protocols["kms:ListKeys"] == "json"
    assert protocols["s3:GetBucketAcl"] == "rest-xml"
    assert protocols["account:GetAlternateContact"] == "rest-json"
    assert {r.info.region for r in proxy.records} == {REGION}


def test_names_s3_objects_and_s3control_requests() -> None:
    from email.message import Message

    def headers(scope_service: str, **extra: str) -> Any:
        message = Message()
        message["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/{scope_service}/aws4_request, "
            "SignedHeaders=host, Signature=0"
        )
        for name, value in extra.items():
            message[name.replace("_", "-")] = value
        return message

    def named(method: str, target: str, scope: str = "s3", **extra: str) -> str:
        return classify(method, target, headers(scope, **extra), b"").key

    assert named("PUT", "/bucket/a/b.txt") == "s3:PutObject"
    assert named("PUT", "/bucket/a/b.txt", x_amz_copy_source="/other/key") == "s3:CopyObject"
    assert named("PUT", "/bucket/k?partNumber=1&uploadId=u") == "s3:UploadPart"
    assert named("GET", "/bucket?list-type=2") == "s3:ListObjectsV2"
    assert named("GET", "/bucket?policy") == "s3:GetBucketPolicy"
    assert named("GET", "/v20180820/configuration/publicAccessBlock") == "s3control:GetPublicAccessBlock"
    assert named("POST", "/getAlternateContact", scope="account") == "account:GetAlternateContact"
    assert named("POST", "/", scope="monitoring", X_Amz_Target="GraniteServiceVersion20100801.DescribeAlarms") == (
        "cloudwatch:DescribeAlarms"
    )


@pytest.mark.parametrize("protocol", ["query", "ec2", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"])
@pytest.mark.parametrize(("status", "code"), [(400, "ThrottlingException"), (403, "AccessDenied"), (500, "Internal")])
def test_error_bodies_parse_as_botocore_errors_in_every_protocol(protocol: str, status: int, code: str) -> None:
    from botocore.awsrequest import HeadersDict
    from botocore.parsers import create_parser

    info = RequestInfo("svc", "Op", REGION, protocol, "POST", "/")
    status_out, headers, body = faults.error_response(info, status, code, "why <it> failed & more")
    parsed = create_parser(protocol).parse(
        {"status_code": status_out, "headers": HeadersDict(headers), "body": body}, None
    )
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == "why <it> failed & more"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status


def test_delay_adds_its_time_to_matching_requests_only(proxy: FaultProxy, client: ClientFactory) -> None:
    kms = client("kms")
    kms.list_keys()  # connection and model warm-up
    delay = 1.0  # long beside a request through the proxy, even on a loaded CI machine
    rule = proxy.add_rule("kms:ListKeys", faults.delay(delay))

    started = time.monotonic()
    kms.list_keys()
    assert time.monotonic() - started >= delay
    started = time.monotonic()
    kms.list_aliases()
    assert time.monotonic() - started < delay

    assert proxy.remove_rule(rule) == 1
    started = time.monotonic()
    kms.list_keys()
    assert time.monotonic() - started < delay


def test_throttle_answers_throttling_exception_n_times(proxy: FaultProxy, client: ClientFactory) -> None:
    proxy.add_rule("iam:GetAccountSummary", faults.throttle(2))
    iam = client("iam")
    assert error_of(iam.get_account_summary) == ("ThrottlingException", 400)
    assert error_of(iam.get_account_summary) == ("ThrottlingException", 400)
    assert "SummaryMap" in iam.get_account_summary()
    assert proxy.rules == []  # a rule with `times` retires when used up

    proxy.add_rule("iam:GetAccountSummary", faults.throttle(2))
    reply = client("iam", STANDARD_RETRIES).get_account_summary()
    assert reply["ResponseMetadata"]["RetryAttempts"] == 2
    assert proxy.counts[("iam", "GetAccountSummary")] == 6
    assert proxy.faults[("iam:GetAccountSummary", "throttle")] == 4


def test_throttling_in_json_protocol_is_retried_as_throttling(proxy: FaultProxy, client: ClientFactory) -> None:
    proxy.add_rule("kms:ListKeys", faults.throttle(1))
    assert error_of(client("kms").list_keys) == ("ThrottlingException", 400)
    proxy.add_rule("kms:ListKeys", faults.throttle(1))
    assert client("kms", STANDARD_RETRIES).list_keys()["ResponseMetadata"]["RetryAttempts"] == 1


@pytest.mark.parametrize(
    ("service", "operation", "code"),
    [
        ("kms", "list_keys", "AccessDeniedException"),  # JSON protocol
        ("ec2", "describe_vpcs", "UnauthorizedOperation"),  # EC2's XML: its access-denied code
        ("iam", "list_users", "AccessDenied"),  # query XML
    ],
)
def test_deny_answers_403_access_denied_in_the_protocols_shape(
    proxy: FaultProxy, client: ClientFactory, service: str, operation: str, code: str
) -> None:
    proxy.add_rule(f"{service}:*", faults.deny())
    assert error_of(getattr(client(service), operation)) == (code, 403)


def test_deny_code_can_be_chosen(proxy: FaultProxy, client: ClientFactory) -> None:
    proxy.add_rule("ec2:DescribeVpcs", faults.deny(code="AccessDenied", times=1))
    ec2 = client("ec2")
    assert error_of(ec2.describe_vpcs) == ("AccessDenied", 403)
    assert "Vpcs" in ec2.describe_vpcs()


def test_error500_and_custom_errors(proxy: FaultProxy, client: ClientFactory) -> None:
    proxy.add_rule("sts:GetCallerIdentity", faults.error500(times=1))
    proxy.add_rule("kms:ListKeys", faults.error500(times=1))
    proxy.add_rule("kms:ListAliases", faults.error(400, "KMSInvalidStateException", "key is pending deletion"))
    assert error_of(client("sts").get_caller_identity) == ("InternalFailure", 500)
    assert error_of(client("kms").list_keys) == ("InternalFailure", 500)
    assert error_of(client("kms").list_aliases) == ("KMSInvalidStateException", 400)
    assert client("sts").get_caller_identity()["Account"]


def test_drop_closes_the_connection_without_an_answer(proxy: FaultProxy, client: ClientFactory) -> None:
    kms = client("kms")
    kms.list_keys()  # a pooled keep-alive connection exists: the drop must not look like a stale one
    rule = proxy.add_rule("kms:ListKeys", faults.drop())
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        kms.list_keys()
    assert proxy.records[-1].outcome == "drop"
    proxy.remove_rule(rule)
    assert "Keys" in kms.list_keys()


def test_switched_off_refuses_connections_and_back_on_serves_again(proxy: FaultProxy, client: ClientFactory) -> None:
    sts = client("sts")
    sts.get_caller_identity()
    port = proxy.port
    proxy.off()
    assert not proxy.serving
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        sts.get_caller_identity()  # the pooled connection was closed too
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        client("sts").get_caller_identity()
    proxy.on()
    assert proxy.port == port
    assert sts.get_caller_identity()["Account"]
    with proxy.switched_off(), pytest.raises(botocore.exceptions.EndpointConnectionError):
        sts.get_caller_identity()
    assert sts.get_caller_identity()["Account"]
    assert proxy.counts[("sts", "GetCallerIdentity")] == 3


def test_rule_patterns_and_predicates(proxy: FaultProxy, client: ClientFactory) -> None:
    proxy.add_rule(["kms:ListA*", "sts:*"], faults.deny())
    proxy.add_rule(lambda info: info.region == REGION and info.operation == "ListKeys", faults.error500())
    assert error_of(client("kms").list_aliases)[0] == "AccessDeniedException"
    assert error_of(client("sts").get_caller_identity)[0] == "AccessDenied"
    assert error_of(client("kms").list_keys)[0] == "InternalFailure"
    assert proxy.remove_rule("kms:ListA*") == 0  # only the exact match object or string removes
    proxy.clear_rules()
    assert "Keys" in client("kms").list_keys()
    with pytest.raises(ValueError):
        proxy.add_rule("ListKeys", faults.deny())


def test_32_concurrent_clients_with_faults_and_an_outage(proxy: FaultProxy, client: ClientFactory) -> None:
    workers, calls_each = 32, 6
    sts = client("sts", Config(retries={"total_max_attempts": 1}, max_pool_connections=workers))
    kms = client("kms", Config(retries={"total_max_attempts": 1}, max_pool_connections=workers))
    sts.get_caller_identity()
    proxy.reset_counts()
    proxy.add_rule("*", faults.delay(0.05))
    proxy.add_rule("kms:ListKeys", faults.throttle(10))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(workers + 1)

    def work(index: int) -> None:
        start.wait()
        for call in range(calls_each):
            try:
                (kms.list_keys if (index + call) % 2 else sts.get_caller_identity)()
                result = "ok"
            except botocore.exceptions.ClientError as problem:
                result = problem.response["Error"]["Code"]
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert time.monotonic() - started < 10
    assert outcomes == Counter({"ok": workers * calls_each - 10, "ThrottlingException": 10})
    assert proxy.total == workers * calls_each
    assert proxy.counts[("kms", "ListKeys")] == proxy.counts[("sts", "GetCallerIdentity")] == 96

    # An outage in the middle of concurrent traffic: failures while off, successes after.
    proxy.clear_rules()
    stop = threading.Event()
    after_on = threading.Event()
    seen: Counter[str] = Counter()

    def loop() -> None:
        while not stop.is_set():
            try:
                sts.get_caller_identity()
                result = "ok-after" if after_on.is_set() else "ok"
            except botocore.exceptions.EndpointConnectionError:
                result = "refused"
                time.sleep(0.01)
            except botocore.exceptions.ConnectionClosedError:
                result = "closed"
            with lock:
                seen[result] += 1

    threads = [threading.Thread(target=loop) for _ in range(workers)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    proxy.off()
    time.sleep(0.3)
    proxy.on()
    after_on.set()
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert seen["ok"] > 0 and seen["refused"] > 0 and seen["ok-after"] > 0


def test_an_unreachable_upstream_answers_502_bad_gateway() -> None:
    with FaultProxy(upstream="http://127.0.0.1:1") as dead:
        kms = boto3.client("kms", region_name=REGION, endpoint_url=dead.url, config=NO_RETRIES)
        assert error_of(kms.list_keys) == ("BadGateway", 502)
        assert dead.counts == Counter({("kms", "ListKeys"): 1})
