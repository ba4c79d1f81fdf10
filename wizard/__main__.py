from wizard.cli import entry_point

entry_point()
