"""A progress display on stderr while an audit runs, only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from wizard.audit.run import AuditProgress, ProgressCallback


@contextmanager
def stderr_progress(controls: int, regions: list[str]) -> Iterator[ProgressCallback | None]:
    if not sys.stderr.isatty():
        yield None
        return
    console = Console(stderr=True)
    # The labels name regions as given on the command line: shown as they are, never read as markup.
    columns = (TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        reads = bar.add_task(f"Reading {len(regions)} region(s)", total=None)
        checks = bar.add_task(f"Checking {controls} controls", total=controls, visible=False)

        def update(step: AuditProgress) -> None:
            if step.phase == "read":
                bar.update(reads, total=step.total, completed=step.done, description=f"Read {step.label}")
            elif step.phase == "wait":
                bar.update(reads, description=step.label.capitalize())
            else:
                bar.update(checks, visible=True, completed=step.done)

        yield update
