"""verl's `custom_reward_function` for worldfarm rows (custom_reward_function.path = this file,
name = compute_score).

The farm scores every rollout itself and `worldfarm.verl.WorldfarmAgentLoop` hands verl that
score as `reward_score`. verl's reward loop calls this only for rows whose reward_score is None:
members left out of training (failed, cancelled, split, without token ids or logprobs). Their
mask is all 0 and the `worldfarm_grpo` estimator keeps them out of the group statistics, so the
0.0 here never reaches a gradient; it only fills verl's reward tensor.
"""

from typing import Any


def compute_score(data_source: Any = None, solution_str: Any = None, ground_truth: Any = None, extra_info: Any = None, **kwargs: Any) -> float:
    return 0.0
