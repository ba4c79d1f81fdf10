"""The moto account every test runs against and the two regions it audits."""

from __future__ import annotations

ACCOUNT_ID = "123456789012"
HOME = "us-east-1"
OTHER = "eu-west-1"
CALLER = f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
OTHER_ACCOUNT = "210987654321"
