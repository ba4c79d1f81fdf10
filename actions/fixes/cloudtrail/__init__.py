"""2.1-2.4, 2.6, 2.7: a compliant multi-region trail, validated, private, sent to CloudWatch Logs, encrypted.

2.1 reuses an existing trail (making it multi-region, logging, capturing all management events) before it
creates one; the others work on the trails 2.1 leaves (see trail_target). One module per group of controls;
importing this package registers their fixes.
"""

from actions.fixes.cloudtrail import encryption, log_delivery, trail, trail_buckets

__all__ = ["encryption", "log_delivery", "trail", "trail_buckets"]
