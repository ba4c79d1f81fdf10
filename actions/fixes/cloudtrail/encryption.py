"""2.7: the trails' log files encrypted with a KMS key that CloudTrail may use and the account administers.

A key made by an earlier run is found again (by its alias, or by its description when a run stopped before
naming it) and completed; otherwise one key per region is made, named at once, and rotated yearly (2.8).
"""

from __future__ import annotations

import json

from actions.fixes.policy_merge import merged_policy, statements_of
from actions.fixes.trail_target import TrailTarget, all_trails, register_trail_fix
from actions.registry import FixContext, PlanDraft
from wizard.aws.policy_documents import policy_json, service_grant
from wizard.collectors.regional import KmsKey
from wizard.plans.model import ApiCall, Ref


def cloudtrail_key_policy(fix: FixContext) -> str:
    root = fix.arn("iam", "root")
    trails = fix.arn("cloudtrail", "trail/*", "*")
    return policy_json(
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        service_grant(
            "CloudTrailEncrypts",
            "cloudtrail.amazonaws.com",
            "kms:GenerateDataKey*",
            "*",
            {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails}},
        ),
        service_grant("CloudTrailDescribes", "cloudtrail.amazonaws.com", "kms:DescribeKey", "*"),
        {
            "Sid": "AccountDecryptsLogs",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": fix.account_id},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails},
            },
        },
    )


KEY_DESCRIPTION = "cis-wizard: CloudTrail log encryption"


def _alias_name(fix: FixContext) -> str:
    return f"alias/{fix.options.name('cloudtrail')}"


def existing_trail_key(fix: FixContext, region: str) -> KmsKey | None:
    """Our CloudTrail key in `region` from an earlier run: by its alias, or (a run that stopped between
    CreateKey and CreateAlias) an enabled customer key with our description and no alias."""
    keys = fix.inventory.kms_keys(region)
    named = next((k for k in keys if _alias_name(fix) in k.aliases), None)
    if named is not None:
        return named if named.metadata.get("KeyState") == "Enabled" else None
    return next(
        (
            k
            for k in keys
            if k.metadata.get("Description") == KEY_DESCRIPTION
            and k.metadata.get("KeyManager") == "CUSTOMER"
            and k.metadata.get("KeyState") == "Enabled"
            and not k.aliases
        ),
        None,
    )


def _reused_key_steps(fix: FixContext, key: KmsKey, region: str) -> list[ApiCall]:
    """What a key of ours from an earlier run still lacks: its alias, rotation, CloudTrail in its policy."""
    steps: list[ApiCall] = []
    if _alias_name(fix) not in key.aliases:
        steps.append(
            ApiCall(
                f"alias-{region}",
                "kms",
                "CreateAlias",
                {"AliasName": _alias_name(fix), "TargetKeyId": key.arn},
                region,
                "name the key made by an earlier run",
            )
        )
    if key.rotation_enabled is False:
        steps.append(
            ApiCall(f"rotate-{region}", "kms", "EnableKeyRotation", {"KeyId": key.arn}, region, "rotate it yearly")
        )
    reply = fix.inventory.fetch("kms", "GetKeyPolicy", region, KeyId=key.arn, PolicyName="default")
    current = json.loads(reply["Policy"]) if reply.get("Policy") else None
    merged = merged_policy(current, statements_of(cloudtrail_key_policy(fix)))
    if merged is not None:
        steps.append(
            ApiCall(
                f"key-policy-{region}",
                "kms",
                "PutKeyPolicy",
                {"KeyId": key.arn, "PolicyName": "default", "Policy": merged},
                region,
                "let CloudTrail use the key (added to its policy; the other statements stay)",
            )
        )
    return steps


def _new_key_steps(fix: FixContext, region: str, key: Ref) -> list[ApiCall]:
    alias_taken = any(_alias_name(fix) in k.aliases for k in fix.inventory.kms_keys(region))
    name_key = ApiCall(
        f"alias-{region}",
        "kms",
        "UpdateAlias" if alias_taken else "CreateAlias",
        {"AliasName": _alias_name(fix), "TargetKeyId": key},
        region,
        "name the key (the alias pointed to a key that is no longer enabled)" if alias_taken else "name the key",
    )
    return [
        ApiCall(
            f"key-{region}",
            "kms",
            "CreateKey",
            {
                "Description": KEY_DESCRIPTION,
                "Policy": cloudtrail_key_policy(fix),
                "Tags": [{"TagKey": "created-by", "TagValue": "cis-wizard"}],
            },
            region,
            "create a KMS key that CloudTrail may use and the account administers",
        ),
        # Named at once, so a run that stops after this point finds the key again by its alias.
        name_key,
        ApiCall(f"rotate-{region}", "kms", "EnableKeyRotation", {"KeyId": key}, region, "rotate the key yearly (2.8)"),
    ]


def _encrypt(region: str, targets: list[TrailTarget], key: str | Ref) -> list[ApiCall]:
    return [
        ApiCall(
            f"encrypt-{region}-{index}",
            "cloudtrail",
            "UpdateTrail",
            {"Name": target.arn, "KmsKeyId": key},
            region,
            f"encrypt {target.name}'s log files with the key",
        )
        for index, target in enumerate(targets)
    ]


@register_trail_fix(
    "trail-kms",
    ("2.7",),
    title="Encrypt trail logs with a KMS key",
    permissions=(
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetKeyPolicy",
        "kms:CreateKey",
        "kms:TagResource",
        "kms:PutKeyPolicy",
        "kms:CreateAlias",
        "kms:UpdateAlias",
        "kms:EnableKeyRotation",
        "cloudtrail:UpdateTrail",
    ),
)
def trail_kms_plan(fix: FixContext) -> PlanDraft:
    targets = [t for t in all_trails(fix) if not t.kms_key]
    steps: list[ApiCall] = []
    notes: list[str] = []
    for region in sorted({t.region for t in targets}):
        existing = existing_trail_key(fix, region)
        key: str | Ref
        if existing is not None:
            key = existing.arn
            steps += _reused_key_steps(fix, existing, region)
            notes.append(f"Reuses the key {existing.arn} made by an earlier run.")
        else:
            key = Ref(f"key-{region}", "KeyMetadata.Arn", f"trail_key_{region.replace('-', '_')}")
            steps += _new_key_steps(fix, region, key)
        steps += _encrypt(region, [t for t in targets if t.region == region], key)
    if steps:
        notes.append("Anyone reading the logs now also needs kms:Decrypt on the key (granted to this account).")
    return PlanDraft(steps, notes=notes)
