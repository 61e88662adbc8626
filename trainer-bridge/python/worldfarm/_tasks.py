"""The farm's tasks as a trainer's dataset sees them: environment, task id and prompt."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping
from urllib.parse import quote

from ._client import Farm

__all__ = ["task_list"]


def task_list(farm: Farm, envs: Mapping[str, Any]) -> List[Dict[str, str]]:
    """{"env", "task_id", "prompt"} for each task `envs` selects: {"shop": "all"} or
    {"shop": ["task-id", ...]}, in the environment's order. An unknown task id raises ValueError."""
    out: List[Dict[str, str]] = []
    for env, selection in envs.items():
        tasks = farm._request("GET", f"/v1/envs/{quote(env, safe='')}")["tasks"]
        wanted = None if selection == "all" else list(selection)
        known = {t["id"] for t in tasks}
        missing = [t for t in (wanted or []) if t not in known]
        if missing:
            raise ValueError(f"environment {env!r} has no task {missing[0]!r}")
        out.extend({"env": env, "task_id": t["id"], "prompt": t["prompt"]} for t in tasks if wanted is None or t["id"] in wanted)
    return out
