"""Make docs/report.html and its screenshot docs/report.png: a wizard run on the sandbox (an apply that works,
one whose bucket policy is refused, a waiver and an attestation), exported as the auditor's HTML report, then
photographed by headless Chromium (Debian's `chromium`). Only the screenshot is committed: the page is the
export's output, made again here whenever it is wanted (it is in .gitignore).

    python docs/make_report_screenshot.py            # from the repository root, in the project's venv

Nothing here is imported by the wizard; it uses the sandbox, the fault proxy of the benchmarks, and a
throw-away data folder with the keyring off.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
]


def write_log(work: Path) -> Path:
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    sys.path.insert(0, str(ROOT))
    from actions.wizard_session import sandbox_session
    from actions.workflow import Decision
    from benchmarks.fault_proxy import FaultProxy, error
    from wizard.sandbox import start_sandbox
    from wizard.state.waivers import utc_today

    log_path = work / "logs" / "123456789012.jsonl"
    with start_sandbox("fresh", regions=["us-east-1"]) as sandbox, FaultProxy(upstream=sandbox.endpoint_url) as proxy:
        proxy.add_rule("s3:PutBucketPolicy", error(403, "AccessDenied", "bucket policies are locked by an SCP"))
        session = sandbox_session(sandbox, log_path, proxy.url)
        session.audit_log().alias = session.connection.alias
        session.run_audit()
        for control in ("1.9", "2.7", "2.9"):
            session.apply(session.prepare_fix(control).selection, lambda plan: Decision(True, "yes"))
        session.waiver_book().grant(
            session.audit_log(),
            "4.4",
            reason="Peering to shared-services is reviewed by the network team every quarter",
            owner="platform-networking@example.com",
            expires=utc_today() + dt.timedelta(days=90),
        )
        run = session.checklist_run("1.15")
        run.verify()
        run.attest("Dana Smith", "Security questions registered by the account owner; answers in the vault")
        session.audit_log().close()
    return log_path


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.stderr.write("Chromium is not installed (Debian: apt-get install -y chromium).\n")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        log_path = write_log(work)
        html = ROOT / "docs" / "report.html"
        from wizard.cli import main as cli

        code = cli(["log", "export", "--log", str(log_path), "--format", "html", "--output", str(html)])
        if code != 0:
            return code
        profile = work / "chromium-profile"
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--window-size=1200,1500",
                f"--screenshot={ROOT / 'docs' / 'report.png'}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    sys.stdout.write(f"wrote {html} and {ROOT / 'docs' / 'report.png'}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
