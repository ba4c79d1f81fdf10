"""Maintenance scripts: regenerate committed data files from the packages they come from."""
