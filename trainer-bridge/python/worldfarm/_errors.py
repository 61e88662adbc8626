"""Every error the client raises.

    WorldfarmError            anything this package raises on purpose
    ├── FarmError             the farm answered with an error: status, code and message
    │                         from its `{"error": {"code", "message"}}` body
    ├── TransportError        the farm could not be reached, or a stream kept breaking
    │                         after every retry
    └── ProtocolError         the farm sent something that breaks the wire contract
                              (a line that is not JSON, an unknown line type)

Bad arguments to this package's own functions raise ValueError or TypeError before
anything is sent.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["WorldfarmError", "FarmError", "TransportError", "ProtocolError"]


class WorldfarmError(Exception):
    """Base of every error this package raises on purpose."""


class FarmError(WorldfarmError):
    """The farm answered with a non-2xx status.

    Attributes:
        status: the HTTP status, e.g. 404.
        code: the farm's machine-readable code, e.g. "batch_not_found"; "http_<status>"
            when the body was not the farm's error JSON (a proxy's error page).
        message: the farm's explanation.
    """

    # The Worker's argument order (workers/shared/errors.ts), so both clients and the farm agree.
    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class TransportError(WorldfarmError):
    """The farm could not be reached, or a stream broke more times in a row than allowed.

    Attributes:
        attempts: how many connections were tried.
        cause: the last network error.
    """

    def __init__(self, message: str, attempts: int = 1, cause: Optional[BaseException] = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.cause = cause


class ProtocolError(WorldfarmError):
    """The farm sent something the wire format does not allow."""
