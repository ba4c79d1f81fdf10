"""Fix builders, one module per area. Importing this package registers all of them."""

from actions.fixes import alarms, cloudtrail, config_recorder, password_policy

__all__ = ["alarms", "cloudtrail", "config_recorder", "password_policy"]
