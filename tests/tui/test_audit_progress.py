"""The audit screen's progress: a burst of progress messages is shown as its latest, not one repaint each."""

from __future__ import annotations

import threading
import time

from textual.app import App

from screens.audit import AuditScreen
from wizard.audit.run import AuditProgress

Progressed = AuditScreen.Progressed


def read(done: int) -> Progressed:
    return Progressed(AuditProgress("read", done, 300, f"trails us-east-{done}"), regions_started=done)


def test_a_newer_message_of_the_same_phase_supersedes_a_waiting_one() -> None:
    check = Progressed(AuditProgress("check", 1, 49, "1.1"))
    wait = Progressed(AuditProgress("wait", 0, 0, "the credential report"))
    assert read(1).can_replace(read(2))
    assert check.can_replace(Progressed(AuditProgress("check", 2, 49, "1.2")))
    assert wait.can_replace(Progressed(AuditProgress("wait", 0, 0, "the credential report (2)")))
    assert not read(300).can_replace(check)  # the last read's count stays on screen before the checks'
    assert not wait.can_replace(read(1))


class ProgressCounter(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.shown: list[int] = []

    def on_audit_screen_progressed(self, message: Progressed) -> None:
        time.sleep(0.002)  # a repaint's worth of work
        self.shown.append(message.step.done)


async def test_a_burst_from_the_audit_thread_is_shown_by_its_latest() -> None:
    app = ProgressCounter()
    async with app.run_test() as pilot:

        def burst() -> None:
            for done in range(1, 301):
                app.post_message(read(done))

        thread = threading.Thread(target=burst)
        thread.start()
        thread.join()
        while not app.shown or app.shown[-1] != 300:
            await pilot.pause(0.01)
    assert app.shown[-1] == 300
    assert app.shown == sorted(app.shown)
    assert len(app.shown) < 150, len(app.shown)
