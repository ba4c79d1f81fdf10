"""Rendering API calls as `aws` CLI commands, from botocore's model."""

from __future__ import annotations

import shlex

import pytest

from wizard.aws.cli_commands import iam_action, render_cli


def test_no_parameters() -> None:
    assert render_cli("iam", "GetAccountPasswordPolicy", {}, "us-east-1") == (
        "aws iam get-account-password-policy --region us-east-1"
    )


def test_booleans_become_flag_pairs_and_numbers_stay_numbers() -> None:
    command = render_cli(
        "iam",
        "UpdateAccountPasswordPolicy",
        {"MinimumPasswordLength": 14, "RequireSymbols": True, "AllowUsersToChangePassword": False},
        "us-east-1",
    )
    assert command == (
        "aws iam update-account-password-policy --minimum-password-length 14 --require-symbols "
        "--no-allow-users-to-change-password --region us-east-1"
    )


def test_service_names_follow_the_cli() -> None:
    assert render_cli("config", "DescribeConfigurationRecorders", {}, "eu-west-1").startswith(
        "aws configservice describe-configuration-recorders"
    )
    assert render_cli("s3", "GetBucketAcl", {"Bucket": "logs"}, "us-east-1").startswith("aws s3api get-bucket-acl")


def test_lists_of_scalars_are_space_separated_and_structures_are_json() -> None:
    command = render_cli(
        "ec2",
        "RevokeSecurityGroupIngress",
        {
            "GroupId": "sg-1",
            "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        },
        "eu-west-1",
    )
    tokens = shlex.split(command)
    assert tokens[:5] == ["aws", "ec2", "revoke-security-group-ingress", "--group-id", "sg-1"]
    assert tokens[6] == '[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]'
    listing = render_cli("iam", "GetAccountAuthorizationDetails", {"Filter": ["User", "Role"]}, "us-east-1")
    assert listing == "aws iam get-account-authorization-details --filter User Role --region us-east-1"


def test_values_are_shell_quoted() -> None:
    command = render_cli("logs", "DescribeMetricFilters", {"logGroupName": "my group; rm -rf /"}, "us-east-1")
    assert shlex.split(command)[4] == "my group; rm -rf /"


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ValueError, match="no parameter 'Bogus'"):
        render_cli("iam", "GetAccountPasswordPolicy", {"Bogus": 1}, "us-east-1")


def test_iam_action_names() -> None:
    assert iam_action("config", "DescribeConfigurationRecorders") == "config:DescribeConfigurationRecorders"
    assert iam_action("logs", "DescribeMetricFilters") == "logs:DescribeMetricFilters"
    assert iam_action("s3control", "GetPublicAccessBlock") == "s3:GetAccountPublicAccessBlock"
    assert iam_action("cloudwatch", "DescribeAlarms") == "cloudwatch:DescribeAlarms"


def test_the_aws_cli_argument_renames_are_followed() -> None:
    command = render_cli(
        "sns",
        "Subscribe",
        {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Protocol": "email", "Endpoint": "sec@example.com"},
        "us-east-1",
    )
    assert "--notification-endpoint sec@example.com" in command
    assert "--endpoint " not in command
