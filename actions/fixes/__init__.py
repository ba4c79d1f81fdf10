"""Fix builders, one module per area. Importing this package registers all of them."""

from actions.fixes import password_policy

__all__ = ["password_policy"]
