"""The audit screen's progress: recorded from the audit's threads, shown a few times a second by its newest."""

from __future__ import annotations

import threading

from screens.audit import LatestProgress
from wizard.audit.run import AuditProgress


def read(done: int, region: str = "us-east-1") -> AuditProgress:
    return AuditProgress("read", done, 300, f"trails {region}")


def test_a_burst_of_reads_is_taken_as_its_newest_with_the_regions_seen() -> None:
    progress = LatestProgress()
    for done in range(1, 301):
        progress.record(read(done, ("us-east-1", "eu-west-1", "global")[done % 3]))
    assert progress.take() == [(read(300, "us-east-1"), 3)]
    assert progress.take() == []  # nothing new since


def test_each_phase_keeps_its_newest_and_the_order_they_came_in() -> None:
    progress = LatestProgress()
    progress.record(AuditProgress("wait", 0, 0, "the credential report"))
    progress.record(read(1))
    progress.record(read(2))
    progress.record(AuditProgress("check", 1, 49, "1.1"))
    progress.record(AuditProgress("wait", 0, 0, "the credential report (again)"))
    taken = [step for step, _ in progress.take()]
    assert taken == [
        read(2),
        AuditProgress("check", 1, 49, "1.1"),
        AuditProgress("wait", 0, 0, "the credential report (again)"),
    ]


def test_records_from_many_threads_lose_no_region() -> None:
    progress = LatestProgress()
    regions = [f"region-{n}" for n in range(40)]

    def reads(region: str) -> None:
        for done in range(50):
            progress.record(read(done, region))

    threads = [threading.Thread(target=reads, args=(region,)) for region in regions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [(_, regions_started)] = progress.take()
    assert regions_started == len(regions)
