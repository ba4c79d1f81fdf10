"""Sample CloudTrail records, written in the data as the few fields that make each one what it is.

Every record starts from `base_record` (the fields all CloudTrail management events share), takes the caller
from `identities`, then its template (an API call, or a console sign-in) and last its own fields. Fields are
merged into objects key by key, so a sample names only what differs (`"additionalEventData": {"MFAUsed":
"No"}`); a field given as null is left out of the record (a console sign-in has no access key).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class SampleDataError(ValueError):
    """The monitoring data describes a sample that cannot be built; names the sample."""


@dataclass(frozen=True)
class SampleEvent:
    """A labelled CloudTrail record (as decoded from the JSON that CloudWatch Logs receives)."""

    label: str
    event: Mapping[str, Any]


def merged(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `overlay`'s fields: objects merged key by key, a null field removed, anything else replaced."""
    result = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


@dataclass(frozen=True)
class RecordTemplates:
    """What the samples are built from: the shared record, the callers, the kinds of event."""

    base_record: Mapping[str, Any]
    identities: Mapping[str, Mapping[str, Any]]
    templates: Mapping[str, Mapping[str, Any]]

    def build(self, where: str, sample: Mapping[str, Any]) -> SampleEvent:
        """One sample from its description: `label` (default: the event name), `template` (default
        "api_call"), `identity` (default "IAMUser") and `record`, its own fields."""
        unknown = set(sample) - {"label", "template", "identity", "record"}
        if unknown:
            raise SampleDataError(f"{where}: unknown keys {sorted(unknown)}")
        template, identity = sample.get("template", "api_call"), sample.get("identity", "IAMUser")
        if template not in self.templates or identity not in self.identities:
            raise SampleDataError(f"{where}: unknown template {template!r} or identity {identity!r}")
        own = sample.get("record")
        if not isinstance(own, Mapping):
            raise SampleDataError(f"{where}: 'record' must be an object of CloudTrail fields")
        record = merged({**self.base_record, "userIdentity": self.identities[identity]}, self.templates[template])
        record = merged(record, own)
        for name in ("eventSource", "eventName"):
            if not isinstance(record.get(name), str):
                raise SampleDataError(f"{where}: the record has no {name}")
        label = sample.get("label", record["eventName"])
        if not isinstance(label, str) or not label:
            raise SampleDataError(f"{where}: 'label' must be a non-empty string")
        return SampleEvent(label, record)

    def build_all(self, where: str, samples: Any) -> tuple[SampleEvent, ...]:
        if not isinstance(samples, list):
            raise SampleDataError(f"{where}: must be a list of samples")
        built = tuple(self.build(f"{where}[{index}]", sample) for index, sample in enumerate(samples))
        labels = [sample.label for sample in built]
        if len(set(labels)) != len(labels):
            raise SampleDataError(f"{where}: two samples have the same label")
        return built
