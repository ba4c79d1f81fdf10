"""What the packaged catalog must hold, written out from the CIS AWS Foundations Benchmark v1.2.0 itself: the
49 control ids in benchmark order, levels, scoring, Security Hub ids and fix kinds."""

from __future__ import annotations

from wizard.catalog import Control

TEXT_FIELDS = ("title", "description", "rationale", "audit", "remediation")

EXPECTED_IDS = (
    [f"1.{n}" for n in range(1, 23)]
    + [f"2.{n}" for n in range(1, 10)]
    + [f"3.{n}" for n in range(1, 15)]
    + [f"4.{n}" for n in range(1, 5)]
)

EXPECTED_SECURITY_HUB: dict[str, list[str]] = {
    "1.1": ["CloudWatch.1", "IAM.20"],
    "1.2": ["IAM.5"],
    "1.3": ["IAM.8"],
    "1.4": ["IAM.3"],
    **{f"1.{n}": [f"IAM.{n + 6}"] for n in range(5, 12)},
    "1.12": ["IAM.4"],
    "1.13": ["IAM.9"],
    "1.14": ["IAM.6"],
    "1.15": [],
    "1.16": ["IAM.2"],
    "1.17": [],
    "1.18": [],
    "1.19": [],
    "1.20": ["IAM.18"],
    "1.21": [],
    "1.22": ["IAM.1"],
    "2.1": ["CloudTrail.1"],
    "2.2": ["CloudTrail.4"],
    "2.3": ["CloudTrail.6"],
    "2.4": ["CloudTrail.5"],
    "2.5": ["Config.1"],
    "2.6": ["CloudTrail.7"],
    "2.7": ["CloudTrail.2"],
    "2.8": ["KMS.4"],
    "2.9": ["EC2.6"],
    "3.1": ["CloudWatch.2"],
    "3.2": ["CloudWatch.3"],
    "3.3": ["CloudWatch.1"],
    **{f"3.{n}": [f"CloudWatch.{n}"] for n in range(4, 15)},
    "4.1": ["EC2.13"],
    "4.2": ["EC2.14"],
    "4.3": ["EC2.2"],
    "4.4": [],
}

EXPECTED_FIX: dict[str, str] = {
    "1.1": "guided",
    "1.2": "guided",
    "1.3": "auto",
    "1.4": "auto",
    **{f"1.{n}": "auto" for n in range(5, 12)},
    "1.12": "guided",
    "1.13": "guided",
    "1.14": "guided",
    "1.15": "guided",
    "1.16": "auto",
    "1.17": "auto",
    "1.18": "auto",
    "1.19": "guided",
    "1.20": "auto",
    "1.21": "auto",
    "1.22": "auto",
    **{f"2.{n}": "auto" for n in range(1, 10)},
    **{f"3.{n}": "auto" for n in range(1, 15)},
    "4.1": "auto",
    "4.2": "auto",
    "4.3": "auto",
    "4.4": "manual",
}

# Level 2 recommendations per the "Profile Applicability" of each recommendation in the benchmark.
LEVEL_2 = {"1.14", "1.19", "2.2", "2.7", "2.8", "2.9", "3.6", "3.7", "3.9", "3.10", "3.11", "4.3", "4.4"}
NOT_SCORED = {"1.15", "1.17", "1.18", "1.19", "1.21", "4.4"}


def ids(controls: list[Control]) -> list[str]:
    return [c.id for c in controls]
