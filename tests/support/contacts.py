"""The account's contact information (1.17), complete, as the account API stores and returns it."""

from __future__ import annotations

COMPLETE_CONTACT = {
    "FullName": "Ada Admin",
    "AddressLine1": "1 Main St",
    "City": "Springfield",
    "PostalCode": "12345",
    "CountryCode": "US",
    "PhoneNumber": "+15550100123",
}
