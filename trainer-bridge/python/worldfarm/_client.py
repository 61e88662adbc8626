"""`Farm`: the farm's batch API and its group stream."""

from __future__ import annotations

import json
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urlsplit

from ._errors import TransportError
from ._stream import _NETWORK_ERRORS, stream_lines
from ._transport import HttpTransport, Transport, raise_for_status
from ._types import JSON, BatchCreated, Group

__all__ = ["Farm", "TaskList"]

#: `{"shop": "all", "tracker": ["t1", "t2"]}`, or a list of `{"env", "taskId"}` dicts or
#: `(env, task_id)` pairs (a task may repeat: each occurrence is its own group).
TaskList = Union[Mapping[str, Union[str, Sequence[str]]], Sequence[Union[Mapping[str, str], Tuple[str, str]]]]

# create_batch's keyword arguments and the BatchSpec fields they fill (workers/shared/batch.ts).
_SPEC_FIELDS = {
    "group_size": "groupSize",
    "tool_format": "toolFormat",
    "max_turns": "maxTurns",
    "truncation": "truncation",
    "reward": "reward",
    "concurrency": "concurrency",
    "rollout_timeout_ms": "rolloutTimeoutMs",
    "retain_seconds": "retainSeconds",
    "seed": "seed",
    "policy_version": "policyVersion",
    "deliver": "deliver",
}


def _task_selection(tasks: TaskList) -> Any:
    if isinstance(tasks, Mapping):
        return dict(tasks)
    if isinstance(tasks, (str, bytes)) or not isinstance(tasks, Sequence):
        raise TypeError("tasks must be a dict of env -> 'all' or task ids, or a list of {'env', 'taskId'} dicts or (env, task_id) pairs")
    selection = []
    for task in tasks:
        if isinstance(task, Mapping):
            selection.append(dict(task))
        elif isinstance(task, tuple) and len(task) == 2:
            selection.append({"env": task[0], "taskId": task[1]})
        else:
            raise TypeError(f"a task must be a {{'env', 'taskId'}} dict or an (env, task_id) pair, not {task!r}")
    return selection


class Farm:
    """A worldfarm deployment: start rollout batches and stream their finished GRPO groups.

    Args:
        base_url: the farm's root, e.g. "http://127.0.0.1:8787" (`npm start`).
        token: the farm's admin token, sent as a bearer token (`npm start` prints it and
            keeps it in .wrangler/state/admin-token; deployed, the FARM_ADMIN_TOKEN secret).
        timeout: seconds a plain call may wait for the network.
        retries: stream breaks in a row `groups` survives before raising TransportError.
        backoff: first reconnect delay in seconds; it doubles per failure in a row, with jitter.
        max_backoff: the longest reconnect delay.
        transport: what sends requests (see `worldfarm.Transport`); http.client by default.
    """

    def __init__(
        self,
        base_url: str,
        token: Optional[str] = None,
        *,
        timeout: float = 30.0,
        retries: int = 8,
        backoff: float = 0.25,
        max_backoff: float = 5.0,
        transport: Optional[Transport] = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL such as http://127.0.0.1:8787, not {base_url!r}")
        if retries < 0 or backoff < 0 or max_backoff < 0 or timeout <= 0:
            raise ValueError("timeout must be positive; retries, backoff and max_backoff must not be negative")
        self.base_url = base_url.rstrip("/")
        self._headers = {"accept": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._transport: Transport = transport if transport is not None else HttpTransport()

    def __repr__(self) -> str:
        return f"Farm({self.base_url!r})"

    def _request(self, method: str, path: str, body: Optional[JSON] = None) -> Any:
        headers = dict(self._headers)
        data = None
        if body is not None:
            headers["content-type"] = "application/json"
            data = json.dumps(body).encode()
        try:
            response = self._transport.open(method, self.base_url + path, headers, data, self._timeout)
            raise_for_status(response)
            text = response.read()
        except _NETWORK_ERRORS as err:
            raise TransportError(f"{method} {self.base_url}{path} failed: {err}", 1, err) from err
        return json.loads(text) if text else None

    @staticmethod
    def _batch_path(batch_id: str) -> str:
        if not isinstance(batch_id, str) or not batch_id:
            raise ValueError(f"batch_id must be a non-empty string, not {batch_id!r}")
        return f"/v1/batches/{quote(batch_id, safe='')}"

    def create_batch(
        self,
        tasks: TaskList,
        policy: Mapping[str, Any],
        *,
        group_size: Optional[int] = None,
        tool_format: Optional[str] = None,
        max_turns: Optional[int] = None,
        truncation: Optional[Mapping[str, int]] = None,
        reward: Optional[Mapping[str, Any]] = None,
        concurrency: Optional[int] = None,
        rollout_timeout_ms: Optional[int] = None,
        seed: Optional[int] = None,
        policy_version: Optional[str] = None,
        deliver: Optional[Mapping[str, Any]] = None,
        retain_seconds: Optional[int] = None,
    ) -> BatchCreated:
        """Starts a rollout batch: `group_size` rollouts of every task, one GRPO group each.

        The arguments are BatchSpec's fields (see /openapi.json) in snake_case; nested
        values (`policy`, `truncation`, `reward`, `deliver`) are sent as given, in the
        farm's camelCase, e.g. `policy={"kind": "openai", "baseUrl": ".../v1", "model": "m"}`.
        Arguments left None take the farm's defaults (`retain_seconds`: the farm's
        BATCH_RETAIN_SECONDS, 7 days unless configured). The farm checks the spec and answers
        a bad one with FarmError 400 naming the field.

        Returns:
            {"batchId", "streamUrl", "rollouts"}.
        """
        if not isinstance(policy, Mapping) or "kind" not in policy:
            raise TypeError('policy must be a dict with a "kind": "oracle", "random" or "openai"')
        spec: JSON = {"tasks": _task_selection(tasks), "policy": dict(policy)}
        given = dict(group_size=group_size, tool_format=tool_format, max_turns=max_turns, truncation=truncation, reward=reward,
                     concurrency=concurrency, rollout_timeout_ms=rollout_timeout_ms, seed=seed, policy_version=policy_version,
                     deliver=deliver, retain_seconds=retain_seconds)
        spec.update({_SPEC_FIELDS[name]: value for name, value in given.items() if value is not None})
        return self._request("POST", "/v1/batches", spec)

    #: The name the architecture page uses: a batch runs as soon as it is created.
    run_batch = create_batch

    def batch(self, batch_id: str) -> JSON:
        """The batch's status: state, counts, reward statistics, errors (BatchStatus)."""
        return self._request("GET", self._batch_path(batch_id))

    def batches(self) -> List[JSON]:
        """The farm's most recent batches (up to 100), newest first: `{"batchId", "createdAt", "rollouts", "policyVersion"}`."""
        return self._request("GET", "/v1/batches")["batches"]

    def cancel(self, batch_id: str) -> JSON:
        """Stops a batch: pending rollouts never start, running ones end as cancelled; returns its status."""
        return self._request("POST", f"{self._batch_path(batch_id)}/cancel")

    def delete_batch(self, batch_id: str, *, keep_summary: bool = True) -> JSON:
        """Deletes a batch and its rollouts' storage (cancelling it if it runs): reading it afterwards is a
        FarmError 410. The run keeps its reward summary unless `keep_summary` is False.
        Returns `{"batchId", "deletedAt", "summaryKept"}`."""
        query = "" if keep_summary else "?summary=false"
        return self._request("DELETE", f"{self._batch_path(batch_id)}{query}")

    def lines(self, batch_id: str, cursor: int = 0, *, heartbeat_ms: int = 5_000) -> Iterator[JSON]:
        """Every line of the batch's group stream from `cursor` on: each group once, the
        heartbeats sent while nothing finishes, and last the end line (`{"type": "end", "state"}`).

        Reconnects as `groups` does. `heartbeat_ms` (100..60000) is how long the farm stays
        quiet before a heartbeat; a connection silent for over twice that plus 10 s counts as cut.
        """
        path = self._batch_path(batch_id)
        if not isinstance(cursor, int) or cursor < 0:
            raise ValueError(f"cursor must be a non-negative integer, not {cursor!r}")
        if not isinstance(heartbeat_ms, int) or not 100 <= heartbeat_ms <= 60_000:
            raise ValueError(f"heartbeat_ms must be an integer from 100 to 60000, not {heartbeat_ms!r}")
        return stream_lines(
            self._transport,
            lambda at: f"{self.base_url}{path}/groups?cursor={at}&heartbeatMs={heartbeat_ms}",
            {**self._headers, "accept": "application/x-ndjson"},
            cursor,
            timeout=2 * heartbeat_ms / 1000 + 10,
            retries=self._retries,
            backoff=self._backoff,
            max_backoff=self._max_backoff,
        )

    def groups(self, batch_id: str, cursor: int = 0, *, heartbeat_ms: int = 5_000) -> Iterator[Group]:
        """The batch's finished groups in log order, from `cursor` on, until the batch has ended.

        Delivery is exactly once to the caller: after a network error or a cut connection the
        iterator reconnects (exponential backoff with jitter) from the last group's seq + 1 and
        drops any group_id it has already yielded. To resume in a new process, pass the last
        seq you processed + 1 as `cursor`.

        Raises:
            FarmError: the batch does not exist (404) or the request was refused (401/403).
            TransportError: the stream broke `retries` times in a row with nothing received.
            ProtocolError: the farm sent something that is not the group stream.
        """
        for line in self.lines(batch_id, cursor, heartbeat_ms=heartbeat_ms):
            if line["type"] == "group":
                yield line  # type: ignore[misc]  # a "group" line is a Group
