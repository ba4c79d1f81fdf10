"""The account's contact information (1.17), complete, as the account API stores and returns it; and the
security alternate contact (1.18) as the fix's options give it."""

from __future__ import annotations

COMPLETE_CONTACT = {
    "FullName": "Ada Admin",
    "AddressLine1": "1 Main St",
    "City": "Springfield",
    "PostalCode": "12345",
    "CountryCode": "US",
    "PhoneNumber": "+15550100123",
}
SECURITY_CONTACT_OPTIONS = {
    "security_contact_name": "Sec Team",
    "security_contact_email": "security@example.com",
    "security_contact_phone": "+1 555 0100 123",
    "security_contact_title": "CISO",
}
