"""What the test modules share: accounts and constants, helpers that seed moto, drive the command line, the
plain terminal and the wizard, and keyrings for the audit log. Test modules import from here, never from each
other."""
