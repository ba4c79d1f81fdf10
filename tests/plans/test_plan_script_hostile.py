"""The fix script never runs what the account says: `${...}`, `$(...)`, backticks and quotes in text that a
plan copies (an inline policy 1.16 moves to a group, a rule description the 4.x fixes keep) stay literal when
bash runs the script, reach no request as the operator's secrets, and apply sends exactly the same text."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import boto3
import pytest
import requests

from benchmarks.fault_proxy import FaultProxy, ProxyRequest
from tests.support.accounts import HOME
from tests.support.aws_cli import account_env, run_script
from tests.support.cli import run_cli

MARKER = "MARKER-SECRET-8c1f"  # what the operator's environment holds; it must reach no request
HOSTILE = "${AWS_SECRET_ACCESS_KEY} $(echo ${AWS_SESSION_TOKEN}) `id` ${UNSET_VARIABLE} \\\" ' \\n"


def seed(endpoint: str) -> None:
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=HOME)
    iam.create_user(UserName="dev")
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Hostile", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{HOSTILE}"}
        ],
    }
    iam.put_user_policy(UserName="dev", PolicyName="inline", PolicyDocument=json.dumps(document))
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=HOME)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "$(id) `id` ${HOME}"}],
            }
        ],
    )


def group_document(endpoint: str) -> str:
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=HOME)
    [group] = iam.list_groups_for_user(UserName="dev")["Groups"]
    [name] = iam.list_group_policies(GroupName=group["GroupName"])["PolicyNames"]
    document = iam.get_group_policy(GroupName=group["GroupName"], PolicyName=name)["PolicyDocument"]
    return json.dumps(document if isinstance(document, dict) else json.loads(urllib.parse.unquote(document)))


@pytest.mark.parametrize("how", ["script", "apply"])
def test_text_from_the_account_stays_literal(how: str, endpoint: str, tmp_path: Path, aws_cli: Path) -> None:
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    seed(endpoint)
    seen: list[bytes] = []

    def record(request: ProxyRequest, forward):  # type: ignore[no-untyped-def]
        seen.append(request.body + request.target.encode())
        return forward()

    with FaultProxy(upstream=endpoint) as proxy:
        proxy.add_handler("*", record)
        if how == "script":
            plan = run_cli("plan", "--endpoint-url", proxy.url, "--regions", HOME, "--controls", "1.16,4.1")
            assert plan.returncode == 0, plan.stderr
            env = {**account_env(proxy.url, secret_access_key=MARKER), "AWS_SESSION_TOKEN": MARKER + "-token"}
            ran = run_script(plan.stdout, tmp_path, aws_cli, env)
            assert ran.returncode == 0, ran.stderr[-2000:]  # set -u would stop at ${UNSET_VARIABLE} if expanded
        else:
            proc = run_cli(
                "apply",
                "--endpoint-url",
                proxy.url,
                "--regions",
                HOME,
                "--controls",
                "1.16,4.1",
                "--yes",
                "--log",
                str(tmp_path / "audit.jsonl"),
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
    assert seen and not any(MARKER.encode() in body for body in seen)
    assert "arn:aws:s3:::" + HOSTILE in json.loads(group_document(endpoint))["Statement"][0]["Resource"]
