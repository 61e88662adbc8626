"""worldfarm: the trainer bridge's Python client.

    from worldfarm import Farm, grpo_advantages

    farm = Farm("http://127.0.0.1:8787")
    batch = farm.create_batch({"shop": "all"}, {"kind": "openai", "baseUrl": "http://127.0.0.1:8788/v1",
                                                 "model": "fake-policy"}, group_size=4, policy_version="step-0")
    for group in farm.groups(batch["batchId"]):
        advantages = grpo_advantages(group, "trl")   # or "verl", "trl_async"

Standard library only. The wire format is worldfarm.group.v1 (see `worldfarm.Group`).
`worldfarm.verl` (an agent loop and advantage estimator) and `worldfarm.trl` (a GRPOTrainer
rollout_func and an AsyncGRPOTrainer rollout worker) plug the farm into those libraries.
"""

from ._adapters import to_trl, to_verl, verl_output
from ._advantages import CONVENTIONS, grpo_advantages
from ._rows import Row, trajectory_row
from ._tasks import task_list
from ._client import KEEP_FOREVER, Farm, TaskList
from ._errors import FarmError, ProtocolError, TransportError, WorldfarmError
from ._stream import GROUP_SCHEMA
from ._transport import HttpTransport, Response, Transport
from ._truncate import Truncated, estimate_tokens, truncate
from ._types import BatchCreated, Group, GroupTurn, Sample, Trajectory

__version__ = "0.1.0"

__all__ = [
    "Farm",
    "TaskList",
    "KEEP_FOREVER",
    "GROUP_SCHEMA",
    "grpo_advantages",
    "CONVENTIONS",
    "to_verl",
    "to_trl",
    "verl_output",
    "Row",
    "trajectory_row",
    "task_list",
    "truncate",
    "estimate_tokens",
    "Truncated",
    "WorldfarmError",
    "FarmError",
    "TransportError",
    "ProtocolError",
    "Transport",
    "Response",
    "HttpTransport",
    "Group",
    "Trajectory",
    "GroupTurn",
    "Sample",
    "BatchCreated",
]
