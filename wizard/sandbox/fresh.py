"""The FRESH account: a real-looking young account, set up in a hurry, that fails most of the benchmark.

What it has, and the controls that see it:
- root: signed in 3 days ago (1.1), an access key (1.12), a *virtual* MFA device (1.13 passes, 1.14 fails);
- no password policy (1.5-1.11), no security contact (1.18), no support role (1.20); the contact details
  asked for at sign-up are complete (1.17 passes);
- alice and bob sign in without MFA, carol with (1.2); bob was set up 130 days ago and never signed in (1.3)
  and holds a key he never used (1.21); ci-deploy's key is 400 days old (1.4);
- ci-deploy has a managed policy of its own, bob an inline one (1.16); the admins group has a
  customer-managed "*:*" policy (1.22); a running instance in the second region has no role (1.19);
- one single-region trail in the home region: no log file validation, no CloudWatch Logs, no KMS key; its
  bucket has no access logging (2.1, 2.2, 2.4, 2.6, 2.7, and so 3.1-3.14), but is private (2.3 passes);
- no AWS Config (2.5); a customer key without rotation beside one with (2.8); no flow logs (2.9);
- SSH and RDP open to the world (4.1, 4.2) beside a harmless HTTPS group; every default security group
  keeps AWS's rules (4.3); a peering route in the home region to review (4.4, MANUAL).
"""

from __future__ import annotations

from datetime import datetime

from wizard.aws.policy_documents import policy_json
from wizard.sandbox.account import ACCOUNT_ALIAS, RegionLayout, days_ago
from wizard.sandbox.backend_history import KeyHistory, RootMfaHistory, SeedHistory, UserHistory
from wizard.sandbox.root_account import RootAccountState
from wizard.sandbox.seeding import (
    ACCOUNT_AGE_DAYS,
    AccountSeeder,
    SeedClients,
    default_security_groups,
    default_vpc_id,
    private_trail_bucket,
    security_group,
    world_ingress,
)

TRAIL_NAME = "management-events"
WINDOWS_AMI = "ami-0a1b2c3d4e5f60718"  # Windows Server 2022 in the sandbox's AMI list (wizard/data/sandbox_amis.json)
FULL_ADMIN_POLICY = "AdministratorAccess-Legacy"
CONSOLE_PASSWORD = "Sandbox-Passw0rd!"  # a fake account's fake password
ACCOUNT_CONTACT = {
    "FullName": "Acme Corp Cloud Team",
    "CompanyName": "Acme Corp",
    "AddressLine1": "1 Example Way",
    "City": "Springfield",
    "StateOrRegion": "OR",
    "PostalCode": "97477",
    "CountryCode": "US",
    "PhoneNumber": "+1-555-0100",
}


class FreshSeeder(AccountSeeder):
    def seed(self) -> SeedHistory:
        root = RootAccountState(
            mfa_enabled=True,
            access_key_active=True,
            password_last_used=days_ago(self.now, 3),
            access_key_last_used=days_ago(self.now, 45),
            created=self.account_created,
        )
        return self.seed_account(root)

    # -- IAM and the account ---------------------------------------------------------------------------
    def identity(self) -> None:
        iam = self.clients("iam", self.layout.home)
        iam.create_account_alias(AccountAlias=ACCOUNT_ALIAS)
        # What AWS asked for when the account was opened (1.17 passes: the details are complete).
        self.clients("account", self.layout.home).put_contact_information(ContactInformation=ACCOUNT_CONTACT)
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")["VirtualMFADevice"][
            "SerialNumber"
        ]
        enabled = days_ago(self.now, ACCOUNT_AGE_DAYS - 1)  # the day after the account was opened
        self.root_mfa = RootMfaHistory(serial, enabled=enabled, root_created=self.account_created)

        admin_arn = iam.create_policy(
            PolicyName=FULL_ADMIN_POLICY,
            Description="Everything, everywhere (made on day one)",
            PolicyDocument=policy_json({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        )["Policy"]["Arn"]
        iam.create_group(GroupName="admins")
        iam.attach_group_policy(GroupName="admins", PolicyArn=admin_arn)
        iam.create_group(GroupName="developers")
        iam.attach_group_policy(GroupName="developers", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

        self._console_user("alice", "admins", created=420, password_used=1)
        self._console_user("bob", "developers", created=130, password_used=None)
        self._console_user("carol", "developers", created=200, password_used=2, mfa=True)
        iam.put_user_policy(
            UserName="bob",
            PolicyName="bob-debug-s3",
            PolicyDocument=policy_json(
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::acme-debug", "arn:aws:s3:::acme-debug/*"],
                }
            ),
        )
        self._access_key("bob", created=20, last_used=None)

        iam.create_user(UserName="ci-deploy", Path="/automation/")
        iam.attach_user_policy(UserName="ci-deploy", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
        self.users.append(UserHistory("ci-deploy", days_ago(self.now, 410)))
        self._access_key("ci-deploy", created=400, last_used=1)

    def _console_user(
        self, name: str, group: str, *, created: int, password_used: int | None, mfa: bool = False
    ) -> None:
        iam = self.clients("iam", self.layout.home)
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName=group, UserName=name)
        iam.create_login_profile(UserName=name, Password=CONSOLE_PASSWORD)
        if mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(
                UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
            )
        used = days_ago(self.now, password_used) if password_used is not None else None
        self.users.append(UserHistory(name, days_ago(self.now, created), used))

    def _access_key(self, user: str, *, created: int, last_used: int | None) -> None:
        key_id = self.clients("iam", self.layout.home).create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
        used = days_ago(self.now, last_used) if last_used is not None else None
        self.keys.append(KeyHistory(user, key_id, days_ago(self.now, created), used, region=self.layout.home))

    # -- CloudTrail: one trail, as the console's quick start makes it ----------------------------------------
    def trail(self) -> None:
        home = self.layout.home
        bucket = private_trail_bucket(self.clients, f"aws-cloudtrail-logs-{self.account_id}-7f3a9c21", home)
        cloudtrail = self.clients("cloudtrail", home)
        cloudtrail.create_trail(Name=TRAIL_NAME, S3BucketName=bucket, IsMultiRegionTrail=False)
        cloudtrail.start_logging(Name=TRAIL_NAME)

        kms = self.clients("kms", home)
        for alias, rotating in (("alias/app-data", False), ("alias/backups", True)):
            key_id = kms.create_key(Description=f"{alias.removeprefix('alias/')} key")["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
            if rotating:
                kms.enable_key_rotation(KeyId=key_id)

    # -- every region: AWS's defaults; the home and second regions a few findings more ----------------------
    def region(self, region: str) -> None:
        if region == self.layout.home:
            self._home_network(region)
        if region == self.layout.second:
            self._second_region(region)
        ec2 = self.clients("ec2", region)
        for group in default_security_groups(self.clients, region):
            # AWS's default group lets its own members talk to each other; moto makes only the egress rule.
            ec2.authorize_security_group_ingress(
                GroupId=group["GroupId"],
                IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group["GroupId"]}]}],
            )

    def _home_network(self, region: str) -> None:
        ec2 = self.clients("ec2", region)
        vpc = default_vpc_id(self.clients, region)
        security_group(self.clients, region, vpc, "bastion-ssh", "SSH for the admins", world_ingress(22, "anywhere"))
        security_group(self.clients, region, vpc, "web-https", "public HTTPS", world_ingress(443, "anywhere"))
        shared = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[shared], Tags=[{"Key": "Name", "Value": "shared-services"}])
        peering = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=shared)["VpcPeeringConnection"][
            "VpcPeeringConnectionId"
        ]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
        tables = ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"]
        ec2.create_route(
            RouteTableId=tables[0]["RouteTableId"], DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=peering
        )

    def _second_region(self, region: str) -> None:
        vpc = default_vpc_id(self.clients, region)
        rdp = security_group(
            self.clients, region, vpc, "windows-rdp", "RDP to the build server", world_ingress(3389, "anywhere")
        )
        ec2 = self.clients("ec2", region)
        ec2.run_instances(
            ImageId=WINDOWS_AMI,
            InstanceType="t3.medium",
            MinCount=1,
            MaxCount=1,
            SecurityGroupIds=[rdp],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "build-server"}]}],
        )


def seed_fresh(clients: SeedClients, layout: RegionLayout, now: datetime) -> SeedHistory:
    return FreshSeeder(clients, layout, now).seed()
