"""The orchestrator's history truncation, replayed on the trainer side.

A port of workers/orchestrator/context/truncate.ts, rule for rule: given the messages of a
trajectory and the batch's `truncation` spec, it keeps exactly the messages the policy was
sent. trainer-bridge/fixtures/truncate-cases.json holds cases both implementations are
tested against.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable, List, Mapping, NamedTuple, Optional, Sequence

__all__ = ["Truncated", "estimate_tokens", "truncate"]

Message = Mapping[str, Any]


class Truncated(NamedTuple):
    """What `truncate` kept."""

    messages: List[Message]
    #: Messages removed.
    dropped: int
    #: Whether history was removed: the orchestrator started a new sample there.
    rewritten: bool


def _js_length(text: str) -> int:
    """String length as JavaScript counts it (UTF-16 code units), so budgets match the farm's."""
    return len(text.encode("utf-16-le")) // 2


def _js_json(value: Any) -> str:
    """JSON.stringify's text for JSON-decoded values (compact, non-ASCII kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def estimate_tokens(message: Message) -> int:
    """The farm's rough count without a tokenizer: about four characters (UTF-16 units) a token,
    over the content and the JSON of any tool calls."""
    content = message.get("content")
    text = content if isinstance(content, str) else _js_json(content if content is not None else "")
    calls = _js_json(message["tool_calls"]) if "tool_calls" in message else ""
    return math.ceil((_js_length(text) + _js_length(calls)) / 4)


def _task_end(messages: Sequence[Message]) -> int:
    i = 0
    while i < len(messages) and messages[i]["role"] == "system":
        i += 1
    return i + 1 if i < len(messages) and messages[i]["role"] == "user" else i


def _split_turns(rest: Sequence[Message]) -> List[List[Message]]:
    turns: List[List[Message]] = []
    for message in rest:
        if message["role"] == "assistant" or not turns:
            turns.append([message])
        else:
            turns[-1].append(message)
    return turns


def truncate(
    messages: Sequence[Message],
    keep_turns: Optional[int] = None,
    max_tokens: Optional[int] = None,
    count_tokens: Callable[[Message], int] = estimate_tokens,
) -> Truncated:
    """AWM's history-aware sliding window, as the orchestrator applies it before each policy call.

    Keeps the leading system message(s) and the task (the first user message), then the newest
    turns: `keep_turns` of them at most, fewer while the total is over `max_tokens`. A turn is an
    assistant message with the tool results after it, never split; the newest turn is always kept.
    `keep_turns` and `max_tokens` are the batch spec's `truncation.keepTurns` and `.maxTokens`.
    """
    if keep_turns is not None and keep_turns < 1:
        raise ValueError(f"keep_turns must be at least 1, not {keep_turns}")
    messages = list(messages)
    head_end = _task_end(messages)
    head = messages[:head_end]
    turns = _split_turns(messages[head_end:])

    first = 0 if keep_turns is None else max(0, len(turns) - keep_turns)
    if max_tokens is not None:
        def cost(group: Sequence[Message]) -> int:
            return sum(count_tokens(m) for m in group)

        total = cost(head) + sum(cost(turn) for turn in turns[first:])
        while total > max_tokens and first < len(turns) - 1:
            total -= cost(turns[first])
            first += 1

    kept = head + [m for turn in turns[first:] for m in turn]
    dropped = len(messages) - len(kept)
    return Truncated(messages if dropped == 0 else kept, dropped, dropped > 0)
