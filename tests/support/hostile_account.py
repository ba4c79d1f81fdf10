"""An account named by an attacker: someone with limited write access chose the names, descriptions and
reasons the wizard shows and copies. Seeded in moto with what each API accepts, and the oracle the tests
use to say that what came out is inert.

Where each hostile text surfaces:
- 3.1: a metric filter named with terminal escapes (retitle, clear screen, a fake verdict, a bidi override,
  a C1 CSI) on the trail's log group, with no alarm: the failing reason names the filter;
- 4.1: two security groups opening SSH to the world, named and described with Rich/Textual markup and shell
  syntax. One has a network interface whose description holds markup, a C1 escape and a bidi override (an
  Affected line of the fix), the other none (a Note of the fix);
- 1.2: console users without MFA named with spreadsheet formula prefixes (IAM allows `=,.@_+-`);
- 1.18: a security contact named with a spreadsheet formula;
- a waiver reason with markup, escapes and a formula (the waiver book keeps what a person typed).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import boto3

from tests.support.accounts import ACCOUNT_ID
from wizard.aws.policy_documents import service_trust
from wizard.monitoring.coverage import CIS_FILTER_PATTERNS

HOME = "us-east-1"
LOG_GROUP = "org-trail-logs"
FILTER_NAME = "cis-3.1\x1b]0;pwned\x07\x1b[2J\x1b[HALL CONTROLS PASS\u202egnp.exe\x9b31m"
# Security group names may hold `._-:/()#,@[]+=&;{}!$*`: Rich markup, a Markdown link and image, an entity.
MARKUP_GROUP = "[reverse]x[/] [bold]loud [link=https://evil]click[/link] [docs](https://evil) ![i](https://evil/i.png)"
MARKUP_GROUP_DESCRIPTION = "[bold]d[/] ${HOME} $(id) `id`"
USED_GROUP = "[/] closes [i]styles[/i] &#x202e; # not a heading"
# EC2 answers in XML, which cannot carry C0 escapes; C1 (0x9b is an 8-bit CSI) and bidi overrides it can.
INTERFACE_DESCRIPTION = "[bold]web[/] \x9b31mred\x9b0m \u202eexe.tab $(id)"
USERS = ("=cmd", "+1", "@x", "-2")
SECURITY_CONTACT = '=HYPERLINK("http://evil","x")'
WAIVER_REASON = "legacy [/] box [bold]\x1b[2J\x07 =cmd|' /C calc'!A0"
WAIVER_OWNER = "@ops [red]team[/]"

# What a terminal obeys or a reader is fooled by: C0 but newline and tab, DEL, C1 (category Cc), the line and
# paragraph separators (Zl, Zp), and the bidi embeddings, overrides and isolates. Written independently of
# wizard.inert_text, as an oracle.
_LAYOUT = "\n\t"
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


def raw_controls(text: str) -> list[str]:
    """The characters in `text` that should never reach a terminal or a report as they are."""
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) in _CONTROL_CATEGORIES and ch not in _LAYOUT)
        or unicodedata.bidirectional(ch) in _BIDI_CONTROLS
    ]


def visible(text: str) -> str:
    """How `text` reads once made inert, spelled out here rather than computed by the code under test."""
    out = []
    for ch in text:
        if ch in _LAYOUT or not raw_controls(ch):
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return "".join(out)


def _clients(endpoint: str, region: str = HOME):  # type: ignore[no-untyped-def]
    session = boto3.session.Session()
    return lambda service: session.client(service, endpoint_url=endpoint, region_name=region)


def _trail_to_log_group(client) -> None:  # type: ignore[no-untyped-def]
    """A compliant multi-region trail sending to a log group (3.x look for filters there)."""
    client("s3").create_bucket(Bucket="org-trail-logs-bucket")
    cloudtrail = client("cloudtrail")
    cloudtrail.create_trail(Name="org-trail", S3BucketName="org-trail-logs-bucket", IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="org-trail")
    logs = client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"][0]["arn"]
    role = client("iam").create_role(
        RoleName="org-trail-to-logs", AssumeRolePolicyDocument=service_trust("cloudtrail.amazonaws.com")
    )["Role"]["Arn"]
    cloudtrail.update_trail(Name="org-trail", CloudWatchLogsLogGroupArn=group_arn, CloudWatchLogsRoleArn=role)
    logs.put_metric_filter(
        logGroupName=LOG_GROUP,
        filterName=FILTER_NAME,
        filterPattern=CIS_FILTER_PATTERNS["3.1"],
        metricTransformations=[
            {"metricName": "UnauthorizedAPICalls", "metricNamespace": "CISBenchmark", "metricValue": "1"}
        ],
    )


def _world_ssh_group(ec2, name: str, description: str) -> str:  # type: ignore[no-untyped-def]
    group = ec2.create_security_group(GroupName=name, Description=description)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    return group


def seed_hostile_account(endpoint: str) -> None:
    client = _clients(endpoint)
    _trail_to_log_group(client)
    ec2 = client("ec2")
    _world_ssh_group(ec2, MARKUP_GROUP, MARKUP_GROUP_DESCRIPTION)
    used = _world_ssh_group(ec2, USED_GROUP, MARKUP_GROUP_DESCRIPTION)
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    ec2.create_network_interface(SubnetId=subnet, Groups=[used], Description=INTERFACE_DESCRIPTION)
    iam = client("iam")
    for user in USERS:
        iam.create_user(UserName=user)
        iam.create_login_profile(UserName=user, Password="Correct-horse-battery-9")
    client("account").put_alternate_contact(
        AlternateContactType="SECURITY",
        Name=SECURITY_CONTACT,
        Title="CISO",
        EmailAddress="security@example.com",
        PhoneNumber="+1 555 0100",
    )


def grant_hostile_waiver(log_path: Path, control_id: str = "4.4") -> None:
    """A waiver as a person would type it in the wizard or `checklist --waive`, into the log at `log_path`."""
    from wizard.audit_log import AuditLog
    from wizard.state.waivers import WaiverBook

    caller = f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
    today = dt.datetime.now(dt.UTC).date()
    with AuditLog.open(ACCOUNT_ID, caller, log_path, notice=lambda _: None) as log:
        WaiverBook.load(ACCOUNT_ID, log_path).grant(
            log,
            control_id,
            reason=WAIVER_REASON,
            owner=WAIVER_OWNER,
            expires=today + dt.timedelta(days=30),
            today=today,
        )
