"""Fix builders, one module per area. Importing this package registers all of them."""

from actions.fixes import cloudtrail, password_policy

__all__ = ["cloudtrail", "password_policy"]
