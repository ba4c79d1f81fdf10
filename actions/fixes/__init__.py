"""Fix builders, one module per area. Importing this package registers all of them."""

from actions.fixes import cloudtrail, config_recorder, password_policy

__all__ = ["cloudtrail", "config_recorder", "password_policy"]
