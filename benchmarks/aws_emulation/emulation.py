"""`AwsEmulation`: every behaviour installed on a `FaultProxy` at once, each switched on and off by name;
and `python -m benchmarks.aws_emulation`, which serves it in front of a moto server."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Collection, Iterable

from benchmarks.aws_emulation.credential_reports import CredentialReports
from benchmarks.aws_emulation.iam_propagation import IamPropagation
from benchmarks.aws_emulation.limits import Limits
from benchmarks.aws_emulation.regions import OptInRegions
from benchmarks.aws_emulation.s3_buckets import BucketCreation
from benchmarks.aws_emulation.service_policies import ServicePolicies
from benchmarks.aws_emulation.sns_pending import PendingSubscriptions
from benchmarks.aws_emulation.wire import FOUR_HOURS, Behaviour, Clock, Upstream
from benchmarks.fault_proxy import FaultProxy, Handler

# -- the emulation --------------------------------------------------------------------------------------

# The order handlers are installed in, outermost first: where several check one call (CreateTrail), the
# quota is checked before the policies, and the policies before the role.
BEHAVIOURS: tuple[str, ...] = (
    "limits",
    "service_policies",
    "iam_propagation",
    "sns_pending",
    "credential_report",
    "s3_create_bucket",
    "opt_in_regions",
)


class AwsEmulation:
    """Installs the behaviours (see the module docstring) on `proxy` at once; `remove()` takes them off."""

    def __init__(
        self,
        proxy: FaultProxy,
        *,
        behaviours: Iterable[str] | None = None,
        iam_propagation_seconds: float = 8.0,
        iam_refusals_at_least: int = 0,
        credential_report_seconds: float = 5.0,
        credential_report_reuse_seconds: float = FOUR_HOURS,
        pending_protocols: Collection[str] = ("email", "email-json", "http", "https"),
        taken_bucket_names: Iterable[str] = (),
        opted_in_regions: Iterable[str] = (),
        clock: Clock = time.monotonic,
    ) -> None:
        self.proxy = proxy
        upstream = Upstream(proxy.upstream)
        self.limits = Limits(upstream)
        self.service_policies = ServicePolicies(upstream)
        self.iam_propagation = IamPropagation(iam_propagation_seconds, clock, iam_refusals_at_least)
        self.sns_pending = PendingSubscriptions(pending_protocols)
        self.credential_report = CredentialReports(
            upstream, credential_report_seconds, credential_report_reuse_seconds, clock
        )
        self.s3_create_bucket = BucketCreation(upstream, taken_bucket_names)
        self.opt_in_regions = OptInRegions(opted_in_regions)
        self._lock = threading.Lock()
        self._enabled = set(self._checked(BEHAVIOURS if behaviours is None else behaviours))
        self._installed: list[Handler] = []
        self._install()

    def __enter__(self) -> AwsEmulation:
        return self

    def __exit__(self, *_: object) -> None:
        self.remove()

    # -- switching ---------------------------------------------------------------------------------------
    @staticmethod
    def _checked(names: Iterable[str]) -> list[str]:
        names = list(names)
        unknown = sorted(set(names) - set(BEHAVIOURS))
        if unknown:
            raise ValueError(f"unknown behaviour(s) {', '.join(unknown)}; known: {', '.join(BEHAVIOURS)}")
        return names

    def behaviour(self, name: str) -> Behaviour:
        behaviour: Behaviour = getattr(self, self._checked([name])[0])
        return behaviour

    @property
    def enabled(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._enabled)

    def enable(self, name: str) -> None:
        with self._lock:
            self._enabled.add(self._checked([name])[0])
        self._install()

    def disable(self, name: str) -> None:
        with self._lock:
            self._enabled.discard(self._checked([name])[0])
        self._install()

    def _install(self) -> None:
        """(Re)install the enabled behaviours in BEHAVIOURS order, so switching keeps the nesting."""
        self.remove()
        with self._lock:
            chosen = [self.behaviour(n) for n in BEHAVIOURS if n in self._enabled]
            self._installed = [
                self.proxy.add_handler(list(b.patterns), b.handle, name=f"aws_emulation.{b.name}") for b in chosen
            ]

    def remove(self) -> None:
        with self._lock:
            installed, self._installed = self._installed, []
        for handler in installed:
            self.proxy.remove_handler(handler)

    # -- what a test does to the world -------------------------------------------------------------------
    def confirm_subscriptions(self, endpoint: str | None = None) -> int:
        """The recipient clicks the link: pending subscriptions of `endpoint` (all when None) show their ARN.
        Returns how many were confirmed."""
        return self.sns_pending.confirm(endpoint)

    @property
    def pending_subscriptions(self) -> dict[str, str]:
        """Subscription ARN -> endpoint, for the subscriptions still waiting for confirmation."""
        return self.sns_pending.pending

    def expire_credential_report(self) -> None:
        """Four hours pass: the next GenerateCredentialReport starts a new report."""
        self.credential_report.expire()

    def age_roles(self) -> None:
        """Every role created so far has propagated through IAM."""
        self.iam_propagation.age_roles()

    def reset(self) -> None:
        """Forget roles, subscriptions and reports (when moto's state is reset)."""
        for name in BEHAVIOURS:
            self.behaviour(name).reset()


# -- command line ---------------------------------------------------------------------------------------


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.aws_emulation --upstream URL`: serve the emulation in front of a moto server (for
    running the command line against it); prints `URL <proxy url>`, runs until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.aws_emulation", description=main.__doc__)
    parser.add_argument("--upstream", required=True, help="the moto server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--behaviours", type=_names, help=f"comma-separated, of: {', '.join(BEHAVIOURS)}")
    parser.add_argument("--iam-propagation-seconds", type=float, default=8.0)
    parser.add_argument("--credential-report-seconds", type=float, default=5.0)
    parser.add_argument("--taken-bucket-names", type=_names, default=[])
    parser.add_argument("--opted-in-regions", type=_names, default=[])
    args = parser.parse_args(argv)

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    with FaultProxy(upstream=args.upstream, port=args.port) as proxy:
        AwsEmulation(
            proxy,
            behaviours=args.behaviours,
            iam_propagation_seconds=args.iam_propagation_seconds,
            credential_report_seconds=args.credential_report_seconds,
            taken_bucket_names=args.taken_bucket_names,
            opted_in_regions=args.opted_in_regions,
        )
        print(f"URL {proxy.url}", flush=True)
        stopped.wait()
        for name, problem in proxy.handler_errors:
            print(f"handler {name} failed: {problem!r}", flush=True)
    return 0
