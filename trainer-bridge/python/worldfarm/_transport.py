"""HTTP for the client, over http.client: a JSON call, or a response read line by line.

The transport is an object with one method, `open`; `Farm(transport=...)` takes any
object that has it, so tests and callers can wrap or replace the network (add
headers, count connections, inject failures) without monkeypatching.
"""

from __future__ import annotations

import http.client
import json
from typing import Any, Dict, Iterator, Mapping, Optional, Protocol
from urllib.parse import urlsplit

from ._errors import FarmError

__all__ = ["Response", "Transport", "HttpTransport", "raise_for_status"]


class Response(Protocol):
    """What `Transport.open` returns: a status, and the body read whole or line by line."""

    status: int

    def read(self) -> bytes:
        """The rest of the body."""

    def lines(self) -> Iterator[bytes]:
        """The body's lines as they arrive, each with its newline when it had one."""

    def close(self) -> None:
        """Drops the connection; a stream being read stops."""


class Transport(Protocol):
    """Opens one HTTP request. Network failures raise OSError (or http.client.HTTPException)."""

    def open(self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], timeout: float) -> Response:
        """Sends the request and returns once the status line and headers have arrived."""


class _HttpClientResponse:
    def __init__(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        self._connection = connection
        self._response = response
        self.status = response.status

    def read(self) -> bytes:
        try:
            return self._response.read()
        finally:
            self.close()

    def lines(self) -> Iterator[bytes]:
        while True:
            line = self._response.readline()
            if not line:
                return
            yield line

    def close(self) -> None:
        self._connection.close()


class HttpTransport:
    """The default transport: one fresh http.client connection a request (no pooling to go stale)."""

    def open(self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], timeout: float) -> Response:
        parts = urlsplit(url)
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(method, target, body=body, headers=dict(headers))
            return _HttpClientResponse(connection, connection.getresponse())
        except BaseException:
            connection.close()
            raise


def raise_for_status(response: Response) -> None:
    """Raises FarmError for a non-2xx response, with the farm's code and message when it sent them."""
    if 200 <= response.status < 300:
        return
    text = response.read().decode("utf-8", errors="replace")
    code, message = f"http_{response.status}", text.strip() or "(empty body)"
    try:
        error: Dict[str, Any] = json.loads(text)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        pass  # not the farm's error JSON (e.g. a proxy's page): keep the raw text as the message
    raise FarmError(code, response.status, message)
