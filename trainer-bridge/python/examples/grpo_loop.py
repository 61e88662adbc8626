"""A GRPO training loop's skeleton against worldfarm, runnable without a GPU.

Each step submits a rollout batch tagged with the policy version it was sampled from,
consumes the groups as they finish (training could start on the first one), computes
group-relative advantages and the rows a trainer would take, and prints what it saw.
The optimizer step is where your trainer (verl, TRL, your own) would go.

    npm start                                  # the farm on :8787, a fake vLLM on :8788
    python3 trainer-bridge/python/examples/grpo_loop.py --steps 3

Flags override WORLDFARM_URL / WORLDFARM_POLICY_URL / FARM_ADMIN_TOKEN, which override the defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import List, Optional

# Runs from a checkout without `pip install`; an installed worldfarm is found first either way.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from worldfarm import Farm, grpo_advantages, trajectory_row  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("WORLDFARM_URL", "http://127.0.0.1:8787"), help="the farm")
    parser.add_argument("--policy-url", default=os.environ.get("WORLDFARM_POLICY_URL", "http://127.0.0.1:8788/v1"),
                        help="the OpenAI-compatible policy server the farm rolls out against (vLLM; npm start's fake one)")
    parser.add_argument("--model", default="fake-policy")
    parser.add_argument("--token", default=os.environ.get("FARM_ADMIN_TOKEN"))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=8, help="tasks per step (groups per batch)")
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--env", default="shop", help="which environment's tasks to sample")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.tasks < 1 or args.group_size < 1:
        parser.error("--steps, --tasks and --group-size must be positive")
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    farm = Farm(args.url, args.token)
    policy = {"kind": "openai", "baseUrl": args.policy_url, "model": args.model}
    for step in range(args.steps):
        version = f"step-{step}"  # in a real loop: the checkpoint the policy server now serves
        # Every task of the environment; the step trains on the first --tasks groups to finish and cancels the rest.
        batch = farm.run_batch({args.env: "all"}, policy, group_size=args.group_size, policy_version=version, seed=step, max_turns=30)
        started = time.monotonic()
        rewards: List[float] = []
        rows = 0
        groups = 0
        for group in farm.groups(batch["batchId"]):
            advantages = grpo_advantages(group, "verl")
            # verl trains one row per trajectory; the ones it cannot train on are left out (see worldfarm.trajectory_row).
            rows += sum(trajectory_row(t).trainable for t in group["trajectories"])
            rewards += [t["reward"] for t in group["trajectories"] if t["loss_weight"] == 1]
            groups += 1
            print(f"  {group['policy']['policy_version']} {group['task']['task_id']:<38} rewards {[round(t['reward'], 2) for t in group['trajectories']]}"
                  f"  advantages {[round(a, 2) for a in advantages]}")
            if groups == args.tasks:
                break  # enough groups for this step's update: the rest of the batch is not needed
        farm.cancel(batch["batchId"])
        mean = sum(rewards) / len(rewards) if rewards else float("nan")
        print(f"step {step} ({version}): {groups} groups, {len(rewards)} trajectories, {rows} verl rows, "
              f"reward mean {mean:.3f}, {time.monotonic() - started:.1f} s")
        # optimizer.step() would go here, then the new weights are pushed to the policy server.
    return 0


if __name__ == "__main__":
    sys.exit(main())
