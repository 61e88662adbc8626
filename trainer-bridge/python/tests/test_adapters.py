"""grpo_advantages, to_verl and to_trl: on hand-made groups for the arithmetic, on real ones for the layout."""

from __future__ import annotations

import math
import socket
import unittest
from typing import Any, Dict, List, Optional

from worldfarm import grpo_advantages, to_trl, to_verl

from .support import fake_policy, farm, shop_tasks


def _group(rewards: List[float], weights: Optional[List[int]] = None) -> Dict[str, Any]:
    weights = weights or [1] * len(rewards)
    return {
        "group_id": "b_x.g0",
        "trajectories": [
            {"trajectory_id": f"r{i}", "reward": r, "loss_weight": w, "num_turns": 1,
             "samples": [{"prompt_ids": [1, 2], "response_ids": [3, 4, 5], "response_mask": [1, 0, 1], "response_logprobs": [-0.5, 0.0, -0.25], "turns": [0, 1], "starts_because": "start"}]}
            for i, (r, w) in enumerate(zip(rewards, weights))
        ],
    }


class AdvantageTest(unittest.TestCase):
    def test_verl_convention_sample_std_and_epsilon(self) -> None:
        rewards = [1.0, 0.0, 0.5, 0.0]
        mean = sum(rewards) / 4
        std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / 3)
        expected = [(r - mean) / (std + 1e-6) for r in rewards]
        for got, want in zip(grpo_advantages(_group(rewards)), expected):
            self.assertAlmostEqual(got, want, places=12)
        self.assertEqual(grpo_advantages(_group(rewards), norm_by_std=False), [r - mean for r in rewards])

    def test_failed_members_get_zero_and_do_not_move_the_others(self) -> None:
        with_failure = grpo_advantages(_group([1.0, 0.0, -0.1, 0.5], weights=[1, 1, 0, 1]))
        without = grpo_advantages(_group([1.0, 0.0, 0.5]))
        self.assertEqual(with_failure[2], 0.0)
        self.assertEqual([with_failure[0], with_failure[1], with_failure[3]], without)

    def test_groups_with_fewer_than_two_counted_members_get_zero(self) -> None:
        self.assertEqual(grpo_advantages(_group([1.0])), [0.0])
        self.assertEqual(grpo_advantages(_group([1.0, 0.0], weights=[1, 0])), [0.0, 0.0])
        self.assertEqual(grpo_advantages(_group([0.3, 0.3, 0.3])), [0.0, 0.0, 0.0])

    def test_adapters_mask_loss_weight_zero_rows_and_check_advantage_count(self) -> None:
        group = _group([1.0, 0.0, 0.2], weights=[1, 1, 0])
        rows = to_verl(group)
        self.assertEqual([r["response_mask"] for r in rows], [[1, 0, 1], [1, 0, 1], [0, 0, 0]])
        self.assertEqual([r["loss_weight"] for r in rows], [1, 1, 0])
        self.assertEqual(rows[0]["token_level_scores"], [0.0, 0.0, 1.0])
        self.assertEqual(rows[0]["advantages"], [rows[0]["advantages"][0], 0.0, rows[0]["advantages"][0]])
        self.assertEqual(to_trl(group)["env_mask"], [[1, 0, 1], [1, 0, 1], [0, 0, 0]])
        with self.assertRaises(ValueError):
            to_trl(group, [1.0])


class RealGroupLayoutTest(unittest.TestCase):
    def test_one_row_per_sample_with_aligned_tokens_when_truncation_splits_trajectories(self) -> None:
        client = farm()
        created = client.create_batch(shop_tasks(3), fake_policy(), group_size=3, truncation={"keepTurns": 1}, max_turns=30)
        groups = list(client.groups(created["batchId"]))
        self.assertEqual(len(groups), 3)
        split = 0
        for group in groups:
            advantages = grpo_advantages(group)
            verl, trl = to_verl(group, advantages), to_trl(group, advantages)
            samples = [(t, s) for t in group["trajectories"] for s in (t["samples"] or [None])]
            self.assertEqual(len(verl), len(samples))
            self.assertEqual(len(trl["prompt_ids"]), len(samples))
            split += sum(len(t["samples"]) > 1 for t in group["trajectories"])
            counted = [t["reward"] for t in group["trajectories"] if t["loss_weight"] == 1]
            if counted:
                self.assertAlmostEqual(sum(counted) / len(counted), group["stats"]["mean"], places=9)
            for row, (trajectory, sample) in zip(verl, samples):
                self.assertEqual(row["uid"], group["group_id"])
                self.assertEqual(row["trajectory_id"], trajectory["trajectory_id"])
                n = len(row["response_ids"])
                self.assertEqual([len(row[k]) for k in ("response_mask", "rollout_log_probs", "token_level_scores", "advantages")], [n] * 4)
                if sample is not None:
                    # Every sample's prompt is exactly what the policy received at its first turn.
                    self.assertEqual(row["prompt_ids"], trajectory["turns"][sample["turns"][0]]["prompt_token_ids"])
            for key in ("prompt_ids", "response_ids", "response_logprobs"):
                self.assertEqual([r[key] for r in verl], trl[{"response_ids": "completion_ids", "response_logprobs": "logprobs"}.get(key, key)])
        self.assertGreater(split, 0, "keepTurns 1 should have split some trajectory into several samples")

    def test_a_group_whose_policy_never_answered_gives_one_empty_masked_row_per_member(self) -> None:
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{closed.getsockname()[1]}/v1"
        client = farm()
        created = client.create_batch(shop_tasks(1), fake_policy(baseUrl=dead, maxRetries=0), group_size=2)
        [group] = client.groups(created["batchId"])
        self.assertEqual([t["status"] for t in group["trajectories"]], ["failed", "failed"])
        self.assertEqual(grpo_advantages(group), [0.0, 0.0])
        rows = to_verl(group)
        self.assertEqual([(r["loss_weight"], r["response_ids"], r["advantages"]) for r in rows], [(0, [], []), (0, [], [])])
        self.assertEqual(to_trl(group)["loss_weight"], [0, 0])


if __name__ == "__main__":
    unittest.main()
