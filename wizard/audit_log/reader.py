"""Read a log leniently, for `show`, `export` and the API: complete records in file order; torn and
malformed lines are counted, not fatal (`verify` is the strict reader)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from wizard.audit_log.errors import LogUnavailableError
from wizard.audit_log.records import Record, RecordFormatError, parse_timestamp
from wizard.state.files import read_private


@dataclass
class LogContents:
    path: Path
    records: list[Record] = field(default_factory=list)
    torn_lines: list[int] = field(default_factory=list)  # not JSON: an append cut short by a crash
    malformed_lines: list[int] = field(default_factory=list)  # JSON, but not a record


def read_log_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise LogUnavailableError(f"The audit log {path} is a directory.")
    try:
        data = read_private(path, "The audit log")
    except OSError as error:
        raise LogUnavailableError(f"Cannot read the audit log {path}: {error.strerror or error}.") from error
    if data is None:
        raise LogUnavailableError(f"There is no audit log at {path}.")
    return data


def split_lines(data: bytes) -> list[bytes]:
    """The file's lines without their newlines; an unterminated last line is kept, an empty end is not."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def read_log(path: Path) -> LogContents:
    contents = LogContents(path)
    for number, line in enumerate(split_lines(read_log_bytes(path)), start=1):
        try:
            data = json.loads(line)
        except ValueError:
            contents.torn_lines.append(number)
            continue
        try:
            contents.records.append(Record.from_dict(data))
        except RecordFormatError:
            contents.malformed_lines.append(number)
    return contents


def last_change_time(path: Path) -> dt.datetime | None:
    """When the log last recorded an AWS call that changes something (its newest call intent), or None when
    there is no log or no call. An audit uses it to tell evidence AWS may serve from before that time."""
    try:
        data = read_log_bytes(path)
    except LogUnavailableError:
        return None
    for line in reversed(split_lines(data)):
        if b'"kind":"call"' not in line:
            continue
        try:
            return parse_timestamp(json.loads(line)["time"])
        except (ValueError, KeyError, TypeError):
            continue
    return None
