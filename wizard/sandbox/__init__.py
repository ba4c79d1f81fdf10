"""The sandbox account: moto, seeded as a realistic AWS account, for the demo, tests and benchmarks.

    with start_sandbox("fresh") as sandbox:        # or "hardened"; port=0 picks a free port
        ctx = AwsContext(AwsSettings(endpoint_url=sandbox.endpoint_url, regions=",".join(sandbox.regions)),
                         session=sandbox.session())

Modules: `server` starts and stops it; `fresh` and `hardened` are the two accounts; `seeding` and
`backend_history` are what they are built with; `root_account` gives moto the root user it lacks;
`command` is `cis-wizard sandbox`.
"""

from wizard.sandbox.account import (
    ACCOUNT_ALIAS,
    DEFAULT_REGIONS,
    SANDBOX_ACCOUNT_ID,
    SANDBOX_STATES,
    SandboxError,
    SandboxState,
)
from wizard.sandbox.server import Sandbox, start_sandbox

__all__ = [
    "ACCOUNT_ALIAS",
    "DEFAULT_REGIONS",
    "SANDBOX_ACCOUNT_ID",
    "SANDBOX_STATES",
    "Sandbox",
    "SandboxError",
    "SandboxState",
    "start_sandbox",
]
