"""The HARDENED account: the same company after following the benchmark; everything the API shows passes.

- root: hardware MFA (MFA on, no virtual device), no access key, last signed in 200 days ago;
- a CIS password policy; a security contact; a support role with AWSSupportAccess;
- alice, bob and carol sign in with MFA and were active this week; permissions only through groups; the
  keys (carol's, ci-deploy's) are weeks old and in use; no customer-managed "*:*" policy;
- one multi-region trail: log file validation, a rotating KMS key, CloudWatch Logs (log group + role); its
  bucket is private and logs its accesses to another bucket;
- a metric filter (the benchmark's pattern) and alarm for each of 3.1-3.14, notifying an SNS topic that an
  e-mail address is subscribed to;
- AWS Config recording everything in every seeded region (global types in the home region);
- flow logs on every VPC; every default security group without rules; nothing open to the world but HTTPS;
  a running instance with an instance profile; no peering routes.

- complete contact details (1.17; moto lacks the account contact API, so the sandbox adds it: contact_api).

Not visible to any API, so not seeded: security questions (1.15, MANUAL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wizard.aws.policy_documents import policy_json, service_grant, service_trust
from wizard.monitoring.coverage import CIS_FILTER_PATTERNS
from wizard.monitoring.coverage import CIS_METRIC_NAMES as METRIC_NAMES
from wizard.sandbox.account import ACCOUNT_ALIAS, RegionLayout, days_ago
from wizard.sandbox.backend_history import KeyHistory, SeedHistory, UserHistory
from wizard.sandbox.fresh import ACCOUNT_CONTACT
from wizard.sandbox.root_account import RootAccountState
from wizard.sandbox.seeding import (
    AccountSeeder,
    SeedClients,
    account_trust,
    create_bucket,
    default_security_groups,
    default_vpc_id,
    private_trail_bucket,
    security_group,
    world_ingress,
)

TRAIL_NAME = "cis-trail"
ALARM_TOPIC = "cis-security-alarms"
ALARM_EMAIL = "security@acme.example"
METRIC_NAMESPACE = "CISBenchmark"
APP_AMI = "ami-0c02fb55956c7d316"  # Amazon Linux 2023 in the sandbox's AMI list (wizard/data/sandbox_amis.json)
CONSOLE_PASSWORD = "Sandbox-Passw0rd-2025!"  # a fake account's fake password
CIS_PASSWORD_POLICY: dict[str, Any] = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
    "HardExpiry": False,
}


class HardenedSeeder(AccountSeeder):
    def __init__(self, clients: SeedClients, layout: RegionLayout, now: datetime) -> None:
        super().__init__(clients, layout, now)
        self.config_bucket = f"acme-config-{self.account_id}"
        self.flow_log_bucket = f"acme-vpc-flow-logs-{self.account_id}"
        self.config_role = ""

    def seed(self) -> SeedHistory:
        self._shared_destinations()
        root = RootAccountState(
            mfa_enabled=True,
            access_key_active=False,
            password_last_used=days_ago(self.now, 200),
            created=self.account_created,
        )
        return self.seed_account(root)

    def _shared_destinations(self) -> None:
        """What every region's tasks write to: the central Config and flow-log buckets, Config's role."""
        home = self.layout.home
        create_bucket(self.clients, self.config_bucket, home)
        create_bucket(self.clients, self.flow_log_bucket, home)
        iam = self.clients("iam", home)
        self.config_role = iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]["Arn"]

    # -- IAM and the account ---------------------------------------------------------------------------
    def identity(self) -> None:
        home = self.layout.home
        iam = self.clients("iam", home)
        iam.create_account_alias(AccountAlias=ACCOUNT_ALIAS)
        iam.update_account_password_policy(**CIS_PASSWORD_POLICY)
        self.clients("account", home).put_contact_information(ContactInformation=ACCOUNT_CONTACT)
        self.clients("account", home).put_alternate_contact(
            AlternateContactType="SECURITY",
            Name="Acme Security Team",
            Title="Security Operations",
            EmailAddress=ALARM_EMAIL,
            PhoneNumber="+1-555-0100",
        )
        iam.create_role(RoleName="aws-support", AssumeRolePolicyDocument=account_trust(self.account_id))
        iam.attach_role_policy(RoleName="aws-support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")

        iam.create_group(GroupName="admins")
        iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        iam.create_group(GroupName="developers")
        iam.attach_group_policy(GroupName="developers", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        deploy_arn = iam.create_policy(
            PolicyName="ci-deploy-artifacts",
            PolicyDocument=policy_json(
                {
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:GetObject"],
                    "Resource": "arn:aws:s3:::acme-artifacts/*",
                }
            ),
        )["Policy"]["Arn"]
        iam.create_group(GroupName="deployers")
        iam.attach_group_policy(GroupName="deployers", PolicyArn=deploy_arn)

        for name, group, created, used in (
            ("alice", "admins", 420, 1),
            ("bob", "developers", 130, 5),
            ("carol", "developers", 200, 2),
        ):
            iam.create_user(UserName=name)
            iam.add_user_to_group(GroupName=group, UserName=name)
            iam.create_login_profile(UserName=name, Password=CONSOLE_PASSWORD)
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(
                UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
            )
            self.users.append(UserHistory(name, days_ago(self.now, created), days_ago(self.now, used)))
        self._access_key("carol", created=10, last_used=1)

        iam.create_user(UserName="ci-deploy", Path="/automation/")
        iam.add_user_to_group(GroupName="deployers", UserName="ci-deploy")
        self.users.append(UserHistory("ci-deploy", days_ago(self.now, 410)))
        self._access_key("ci-deploy", created=30, last_used=0)

    def _access_key(self, user: str, *, created: int, last_used: int) -> None:
        key_id = self.clients("iam", self.layout.home).create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
        self.keys.append(
            KeyHistory(
                user, key_id, days_ago(self.now, created), days_ago(self.now, last_used), region=self.layout.home
            )
        )

    # -- CloudTrail, its bucket, key and log group; the 3.x alarms on that log group --------------------------
    def trail(self) -> None:
        home, account = self.layout.home, self.account_id
        bucket = self._trail_bucket()
        key_arn = self._trail_key()
        log_group, role_arn = self._trail_log_group()
        cloudtrail = self.clients("cloudtrail", home)
        cloudtrail.create_trail(
            Name=TRAIL_NAME,
            S3BucketName=bucket,
            IsMultiRegionTrail=True,
            IncludeGlobalServiceEvents=True,
            EnableLogFileValidation=True,
            KmsKeyId=key_arn,
            CloudWatchLogsLogGroupArn=f"arn:aws:logs:{home}:{account}:log-group:{log_group}:*",
            CloudWatchLogsRoleArn=role_arn,
        )
        cloudtrail.put_event_selectors(
            TrailName=TRAIL_NAME,
            EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}],
        )
        cloudtrail.start_logging(Name=TRAIL_NAME)
        self._alarms(log_group)

    def _trail_bucket(self) -> str:
        """The trail's bucket: private, with server access logging to a bucket of its own."""
        home, account = self.layout.home, self.account_id
        s3 = self.clients("s3", home)
        access_logs = create_bucket(self.clients, f"acme-s3-access-logs-{account}", home)
        s3.put_bucket_acl(Bucket=access_logs, ACL="log-delivery-write")
        bucket = private_trail_bucket(self.clients, f"aws-cloudtrail-logs-{account}-cis", home)
        s3.put_bucket_logging(
            Bucket=bucket,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": access_logs, "TargetPrefix": f"{bucket}/"}},
        )
        return bucket

    def _trail_key(self) -> str:
        """The KMS key the trail encrypts its logs with (rotated), as an ARN."""
        home, account = self.layout.home, self.account_id
        kms = self.clients("kms", home)
        key_id = kms.create_key(Description="CloudTrail log files", Policy=_cloudtrail_key_policy(account))[
            "KeyMetadata"
        ]["KeyId"]
        kms.create_alias(AliasName="alias/cloudtrail", TargetKeyId=key_id)
        kms.enable_key_rotation(KeyId=key_id)
        return f"arn:aws:kms:{home}:{account}:key/{key_id}"

    def _trail_log_group(self) -> tuple[str, str]:
        """(the log group the trail sends to, the role CloudTrail delivers to it with)."""
        home, account = self.layout.home, self.account_id
        log_group = f"aws-cloudtrail-logs-{account}"
        logs = self.clients("logs", home)
        logs.create_log_group(logGroupName=log_group)
        logs.put_retention_policy(logGroupName=log_group, retentionInDays=365)
        iam = self.clients("iam", home)
        role_arn = iam.create_role(
            RoleName="CloudTrail_CloudWatchLogs_Role",
            AssumeRolePolicyDocument=service_trust("cloudtrail.amazonaws.com"),
        )["Role"]["Arn"]
        iam.put_role_policy(
            RoleName="CloudTrail_CloudWatchLogs_Role",
            PolicyName="deliver-to-cloudwatch-logs",
            PolicyDocument=policy_json(
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"arn:aws:logs:{home}:{account}:log-group:{log_group}:log-stream:*",
                }
            ),
        )
        return log_group, role_arn

    def _alarms(self, log_group: str) -> None:
        home = self.layout.home
        sns = self.clients("sns", home)
        topic = sns.create_topic(Name=ALARM_TOPIC)["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=ALARM_EMAIL)
        logs, cloudwatch = self.clients("logs", home), self.clients("cloudwatch", home)
        for control_id, pattern in CIS_FILTER_PATTERNS.items():
            metric = METRIC_NAMES[control_id]
            logs.put_metric_filter(
                logGroupName=log_group,
                filterName=metric,
                filterPattern=pattern,
                metricTransformations=[{"metricName": metric, "metricNamespace": METRIC_NAMESPACE, "metricValue": "1"}],
            )
            cloudwatch.put_metric_alarm(
                AlarmName=f"CIS-{control_id}-{metric}",
                AlarmDescription=f"CIS AWS Foundations {control_id}",
                MetricName=metric,
                Namespace=METRIC_NAMESPACE,
                Statistic="Sum",
                Period=300,
                EvaluationPeriods=1,
                Threshold=1.0,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="notBreaching",
                AlarmActions=[topic],
            )

    # -- every region: Config, flow logs, closed default groups ---------------------------------------------
    def region(self, region: str) -> None:
        if region == self.layout.home:
            self._home_workload(region)
        if region == self.layout.second:
            kms = self.clients("kms", region)
            key_id = kms.create_key(Description="app-data key")["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName="alias/app-data", TargetKeyId=key_id)
            kms.enable_key_rotation(KeyId=key_id)
        self._flow_logs(region)
        self._close_default_groups(region)
        self._config(region)

    def _home_workload(self, region: str) -> None:
        iam = self.clients("iam", region)
        iam.create_role(RoleName="app-server", AssumeRolePolicyDocument=service_trust("ec2.amazonaws.com"))
        profile = iam.create_instance_profile(InstanceProfileName="app-server")["InstanceProfile"]["Arn"]
        iam.add_role_to_instance_profile(InstanceProfileName="app-server", RoleName="app-server")
        vpc = default_vpc_id(self.clients, region)
        web = security_group(self.clients, region, vpc, "web-https", "public HTTPS", world_ingress(443, "anywhere"))
        self.clients("ec2", region).run_instances(
            ImageId=APP_AMI,
            InstanceType="t3.small",
            MinCount=1,
            MaxCount=1,
            SecurityGroupIds=[web],
            IamInstanceProfile={"Arn": profile},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "app-server"}]}],
        )

    def _flow_logs(self, region: str) -> None:
        ec2 = self.clients("ec2", region)
        vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
        reply = ec2.create_flow_logs(
            ResourceIds=vpcs,
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{self.flow_log_bucket}",  # moto rejects a bucket/prefix ARN
        )
        if reply.get("Unsuccessful"):
            raise RuntimeError(f"flow logs in {region} failed: {reply['Unsuccessful']}")

    def _close_default_groups(self, region: str) -> None:
        ec2 = self.clients("ec2", region)
        for group in default_security_groups(self.clients, region):
            if group.get("IpPermissions"):
                ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
            if group.get("IpPermissionsEgress"):
                ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])

    def _config(self, region: str) -> None:
        config = self.clients("config", region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": self.config_role,
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == self.layout.home},
            }
        )
        config.put_delivery_channel(
            DeliveryChannel={"name": "default", "s3BucketName": self.config_bucket, "s3KeyPrefix": region}
        )
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def _cloudtrail_key_policy(account_id: str) -> str:
    encryption_context = {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account_id}:trail/*"}
    cloudtrail = "cloudtrail.amazonaws.com"
    return policy_json(
        {
            "Sid": "Enable IAM user permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        service_grant(
            "Allow CloudTrail to encrypt logs",
            cloudtrail,
            "kms:GenerateDataKey*",
            "*",
            {"StringLike": encryption_context},
        ),
        service_grant("Allow CloudTrail to describe the key", cloudtrail, "kms:DescribeKey", "*"),
    )


def seed_hardened(clients: SeedClients, layout: RegionLayout, now: datetime) -> SeedHistory:
    return HardenedSeeder(clients, layout, now).seed()
