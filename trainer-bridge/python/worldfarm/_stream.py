"""The group stream: NDJSON lines from a cursor on, resumed after every break, duplicates dropped."""

from __future__ import annotations

import http.client
import json
import random
import time
from typing import Callable, Iterator, Mapping, Optional, Set

from ._errors import ProtocolError, TransportError
from ._transport import Response, Transport, raise_for_status
from ._types import JSON

__all__ = ["GROUP_SCHEMA", "stream_lines"]

GROUP_SCHEMA = "worldfarm.group.v1"

# What a dropped connection, a refused one or a half-sent response raises.
_NETWORK_ERRORS = (OSError, http.client.HTTPException)


class _Retry(Exception):
    """A connection that ended without the end line, or a status worth retrying."""


def _parse(raw: bytes) -> JSON:
    try:
        line = json.loads(raw)
    except ValueError as err:
        raise ProtocolError(f"the stream sent a line that is not JSON: {raw[:200]!r}") from err
    kind = line.get("type") if isinstance(line, dict) else None
    if kind not in ("group", "heartbeat", "end"):
        raise ProtocolError(f"the stream sent a line of unknown type {kind!r}")
    if kind == "group" and line.get("schema") != GROUP_SCHEMA:
        raise ProtocolError(f"the stream sent schema {line.get('schema')!r}; this client reads {GROUP_SCHEMA}")
    return line


def stream_lines(
    transport: Transport,
    url: Callable[[int], str],
    headers: Mapping[str, str],
    cursor: int,
    timeout: float,
    retries: int,
    backoff: float,
    max_backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[JSON]:
    """Every line of a batch's stream from `cursor` on: groups (each group_id once), heartbeats, then the end.

    After a network error, a cut connection (a line without its newline, or the body ending
    before the end line) or a 429/5xx answer, it reconnects with exponential backoff and
    full jitter from the last group's seq + 1. `retries` bounds the failures in a row: any
    line received resets the count, so a long batch survives any number of spaced-out cuts.
    """
    seen: Set[str] = set()
    failures = 0
    while True:
        response: Optional[Response] = None
        try:
            response = transport.open("GET", url(cursor), headers, None, timeout)
            if response.status == 429 or response.status >= 500:
                raise _Retry(f"the farm answered {response.status}")
            raise_for_status(response)
            for raw in response.lines():
                if not raw.endswith(b"\n"):
                    raise _Retry("the connection was cut in the middle of a line")
                line = _parse(raw)
                failures = 0
                if line["type"] == "group":
                    if line["group_id"] in seen or line["seq"] < cursor:
                        continue
                    seen.add(line["group_id"])
                    cursor = line["seq"] + 1
                yield line
                if line["type"] == "end":
                    return
            raise _Retry("the stream ended before its end line")
        except (_Retry, *_NETWORK_ERRORS) as err:
            failures += 1
            if failures > retries:
                raise TransportError(f"the group stream broke {failures} times in a row (last: {err})", failures, err) from err
            sleep(random.uniform(0, min(max_backoff, backoff * 2 ** (failures - 1))))
        finally:
            if response is not None:
                response.close()


