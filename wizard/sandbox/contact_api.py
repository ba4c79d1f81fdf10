"""The account contact API (GetContactInformation, PutContactInformation) for the sandbox's moto.

moto 5.2.5 serves the account service's alternate contacts but not the account's own contact information,
which CIS 1.17 reads and fixes. AWS keeps that information per account (it is asked for at sign-up), so
the sandbox adds the two operations to moto's account service: the URL rules moto's server routes by, and
the two handlers on moto's AccountResponse, which parses the request and serializes the answer with
botocore's own rest-json shapes. `install()` runs once, before moto's server makes its account app.
"""

from __future__ import annotations

from typing import Any

from wizard.sandbox.account import PARTITION

# What AWS asks for at sign-up: the fields PutContactInformation requires (botocore's model says the same).
REQUIRED_FIELDS = ("FullName", "AddressLine1", "City", "PostalCode", "CountryCode", "PhoneNumber")
FIELDS = (
    "FullName",
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "City",
    "StateOrRegion",
    "DistrictOrCounty",
    "PostalCode",
    "CountryCode",
    "PhoneNumber",
    "CompanyName",
    "WebsiteUrl",
)
_STORE = "_cis_wizard_contact_information"  # the attribute on moto's AccountBackend that holds it


def _backend(account_id: str) -> Any:
    from moto.account.models import account_backends

    return account_backends[account_id][PARTITION]


def set_contact_information(account_id: str, contact: dict[str, str]) -> None:
    """What the account's contact information is (the seeders call this, as PutContactInformation does)."""
    setattr(_backend(account_id), _STORE, {k: v for k, v in contact.items() if k in FIELDS and v})


def contact_information(account_id: str) -> dict[str, str] | None:
    stored = getattr(_backend(account_id), _STORE, None)
    return dict(stored) if stored else None


def _get_contact_information(self: Any) -> Any:
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import ActionResult

    account_id = self._get_param("AccountId") or self.current_account
    stored = contact_information(account_id)
    if stored is None:
        raise JsonRESTError("ResourceNotFoundException", "No contact information is set for this account.")
    return ActionResult(result={"ContactInformation": stored})


def _put_contact_information(self: Any) -> Any:
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import EmptyResult

    account_id = self._get_param("AccountId") or self.current_account
    given = self._get_param("ContactInformation") or {}
    missing = [name for name in REQUIRED_FIELDS if not given.get(name)]
    if missing:
        raise JsonRESTError("ValidationException", f"Missing required field(s): {', '.join(missing)}")
    set_contact_information(account_id, {k: str(v) for k, v in given.items()})
    return EmptyResult()


def install() -> None:
    """Add the two operations to moto's account service (idempotent)."""
    from moto.account import urls
    from moto.account.responses import AccountResponse

    responses: Any = AccountResponse
    responses.get_contact_information = _get_contact_information
    responses.put_contact_information = _put_contact_information
    for operation in ("getContactInformation", "putContactInformation"):
        urls.url_paths[f"{{0}}/{operation}$"] = AccountResponse.dispatch
