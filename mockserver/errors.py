"""Errors that become Autotask-shaped HTTP responses.

The real API answers almost every failure with HTTP 500 and ``{"errors": ["..."]}``; routing failures
come from ASP.NET Web API itself and use ``{"Message": "..."}`` instead. Keeping both shapes here means
handlers raise and never format responses themselves.
"""

from __future__ import annotations


class AutotaskError(Exception):
    """An error the real API reports as ``{"errors": [...]}``."""

    def __init__(self, *messages: str, status: int = 500, headers: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = list(messages)
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"errors": self.messages}


class AspNetError(Exception):
    """A routing-level error in ASP.NET Web API's ``{"Message": ...}`` shape (404, 405)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"Message": self.message}


def method_not_allowed(method: str, allowed: set[str] | frozenset[str]) -> AspNetError:
    return AspNetError(
        405,
        f"The requested resource does not support http method '{method.upper()}'.",
        {"Allow": ", ".join(sorted(allowed))},
    )


def not_found(url: str) -> AspNetError:
    return AspNetError(404, f"No HTTP resource was found that matches the request URI '{url}'.")


# Message texts taken from the sources in shared/spec/autotask-api.md §2.
ZONE_NOT_DETERMINED = "Zone information could not be determined"
INTEGRATION_CODE_INVALID = "IntegrationCode is invalid."
NO_MATCHING_RECORDS = (
    "No message. No matching records found. The logged in Resource may not have the required "
    "permissions to {action} the data."
)
ADEQUATE_PERMISSIONS = (
    "The logged in Resource does not have the adequate permissions to {action} this entity type ({entity})."
)
