"""A fault-injecting HTTP reverse proxy for AWS API traffic, to put in front of a local moto server.

    with FaultProxy(upstream="http://127.0.0.1:5000") as proxy:
        client = boto3.client("ec2", endpoint_url=proxy.url, region_name="us-east-1")
        proxy.add_rule("ec2:DescribeSecurityGroups", deny())
        proxy.add_rule("*", delay(0.1))           # 100 ms more on every request
        proxy.add_rule("iam:GetAccountSummary", throttle(2))
        ...
        proxy.counts[("ec2", "DescribeVpcs")]     # requests seen, per (service, operation)
        proxy.off(); ...; proxy.on()              # stop serving (connections refused), then serve again

What it understands about each request (`RequestInfo`):

* service: the SigV4 credential scope of the Authorization header (or of X-Amz-Credential in a presigned
  URL), as the boto3 client name: scope "monitoring" is "cloudwatch", scope "s3" on a /v20180820/ path is
  "s3control".
* operation: `Action=` of a query-protocol request (form body or URL: iam, sts, ec2, sns, ...); the
  `X-Amz-Target` header of a JSON-protocol request (kms, logs, cloudtrail, config, cloudwatch); the path of
  a Smithy RPCv2-CBOR request; for REST protocols (s3, s3control, account, ...) the method, path and query
  matched against botocore's own service model (`GET /bucket?acl` is "GetBucketAcl", `POST
  /getAlternateContact` is "GetAlternateContact"). S3 must be addressed path-style (botocore does that for
  an IP endpoint). What it cannot name is counted as "?" (or "METHOD /path" for an unknown REST call).
* region and protocol ("query", "ec2", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor").

Rules: `add_rule(match, action)`. `match` is a pattern on "service:Operation" (fnmatch: "*", "ec2:*",
"ec2:Describe*", "kms:ListKeys"), several patterns, or a predicate on `RequestInfo`. Actions:

* `delay(seconds)`: wait that long before answering (accumulates with other matching delays).
* `throttle(n)`: the next n matching requests get ThrottlingException (HTTP 400).
* `deny()`: HTTP 403, AccessDeniedException (JSON protocols), AccessDenied (query, S3) or
  UnauthorizedOperation (EC2), as AWS answers.
* `error500()`: HTTP 500 InternalFailure (InternalError for EC2 and S3).
* `drop()`: read the request, then close the connection without an answer.
* `error(status, code, message)`: any other AWS error.

Every fault action takes `times=n` (apply to the next n matching requests only, then the rule retires).
Rules are tried in the order they were added: every matching delay applies, and the first matching fault
that still has uses left decides the answer; a request no fault claims goes to the upstream. Error bodies
follow the request's protocol, so botocore parses them into the usual `ClientError` codes:

* query: `<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>...`
* ec2: `<Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors><RequestID>..`
* json: `{"__type": "ThrottlingException", "message": ".."}` with the request's x-amz-json content type
* rest-json: the same body plus the `X-Amzn-ErrorType` header
* rest-xml: `<Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>`
* smithy-rpc-v2-cbor: a CBOR map `{"__type": .., "message": ..}`

Handlers: `add_handler(match, handle, name=None)` puts a function between the client and the upstream for the
requests `match` names (the same patterns or predicate as rules). `handle(request, forward)` gets a
`ProxyRequest` (its `info`, `method`, `target`, `headers`, `body`, and `form`, `json`, `access_key`,
`error(...)` helpers) and a `forward()` that sends the request on and returns the upstream's
`ProxyResponse` (`status`, `headers`, `body`; `replace(...)` copies it with changes). It returns the answer:
its own (an emulated AWS error, say), or what `forward()` gave, unchanged or rewritten. Handlers nest in the
order they were added (the first added sees the request first and the response last); rules go first, so a
fault or drop that claims a request is answered before any handler sees it. A handler that raises is answered
as HTTP 500 and kept in `handler_errors`. `remove_handler(handler)`, `handlers`.

`remove_rule(rule)` takes the object `add_rule` returned, or a pattern string (removes every rule added with
exactly that string); `clear_rules()` removes all. `off()` closes the listening socket and every open client
connection (clients get connection refused / connection closed); `on()` listens again on the same port;
`with proxy.switched_off(): ...` does both. An unreachable upstream is answered with 502 BadGateway.

What it saw: `counts` (Counter of (service, operation), faulted requests included), `count("ec2:*")`,
`total`, `faults` (Counter of ("service:Operation", action name)), `records` (every answered request:
`RequestInfo`, start and end `time.monotonic()`, HTTP status or "drop", fault name, and the name of the
handler that answered without forwarding, if one did), `reset_counts()`.

All methods are thread-safe, so a test can change rules or switch the proxy off while clients run. The proxy
serves each client connection on its own thread (HTTP/1.1 keep-alive both ways, TCP_NODELAY, listen backlog
256) and keeps one upstream connection per client connection.
"""

from __future__ import annotations

from benchmarks.fault_proxy.faults import (
    Action,
    Matcher,
    Rule,
    delay,
    deny,
    drop,
    error,
    error500,
    error_response,
    throttle,
)
from benchmarks.fault_proxy.handlers import Forward, HandleFunction, Handler, ProxyRequest, ProxyResponse
from benchmarks.fault_proxy.proxy import FaultProxy
from benchmarks.fault_proxy.request_info import RequestInfo, RequestRecord, classify

__all__ = [
    "Action",
    "FaultProxy",
    "Forward",
    "HandleFunction",
    "Handler",
    "Matcher",
    "ProxyRequest",
    "ProxyResponse",
    "RequestInfo",
    "RequestRecord",
    "Rule",
    "classify",
    "delay",
    "deny",
    "drop",
    "error",
    "error500",
    "error_response",
    "throttle",
]
