"""Remediation: builders that turn the audited state of a control into a `Plan`, and guided checklists."""
