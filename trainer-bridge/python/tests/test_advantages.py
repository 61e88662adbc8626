"""grpo_advantages in each library's convention, and the verl estimator, against the libraries' arithmetic (tests/contracts.py)."""

from __future__ import annotations

import unittest
from typing import Any, Dict, List, Optional

from worldfarm import grpo_advantages
from worldfarm._verl_loop import grpo_advantage_leaving_out_masked

from . import contracts


def _group(rewards: List[float], weights: Optional[List[int]] = None) -> Dict[str, Any]:
    weights = weights or [1] * len(rewards)
    return {"group_id": "b_x.g0", "trajectories": [{"reward": r, "loss_weight": w} for r, w in zip(rewards, weights)]}


class ConventionTest(unittest.TestCase):
    def assertClose(self, got: List[float], want: List[float]) -> None:
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertAlmostEqual(g, w, places=9)

    def test_verl_is_verls_grpo_including_the_lone_member(self) -> None:
        for rewards in ([1.0, 0.0, 0.5, 0.0], [0.3, 0.3, 0.3], [0.7]):
            self.assertClose(grpo_advantages(_group(rewards), "verl"), contracts.verl_grpo(rewards, [0] * len(rewards)))
        # verl's lone member: mean 0, std 1, so r / (1 + 1e-6), not 0.
        self.assertAlmostEqual(grpo_advantages(_group([0.7]), "verl")[0], 0.7 / (1 + 1e-6), places=12)
        self.assertClose(grpo_advantages(_group([1.0, 0.0]), "verl", norm_by_std=False), [0.5, -0.5])

    def test_trl_is_trls_with_failed_members_as_none(self) -> None:
        rewards, weights = [1.0, 0.0, 0.2, 0.5], [1, 1, 0, 1]
        as_trl = [r if w else None for r, w in zip(rewards, weights)]
        for mode in ("group", "none"):
            self.assertClose(grpo_advantages(_group(rewards, weights), "trl", scale_rewards=mode), contracts.trl_advantages(as_trl, 4, mode))
        other = _group([0.0, 1.0, 1.0, 1.0])
        both = contracts.trl_advantages(as_trl + [0.0, 1.0, 1.0, 1.0], 4, "batch")
        self.assertClose(grpo_advantages(_group(rewards, weights), "trl", scale_rewards="batch", batch=[_group(rewards, weights), other]), both[:4])
        self.assertClose(grpo_advantages(_group([0.9]), "trl"), contracts.trl_advantages([0.9], 1))
        with self.assertRaises(ValueError):
            grpo_advantages(_group(rewards), "trl", scale_rewards="batches")

    def test_trl_async_is_its_score_group(self) -> None:
        rewards, weights = [1.0, 0.0, 0.2, 0.5], [1, 1, 0, 1]
        self.assertClose(grpo_advantages(_group(rewards, weights), "trl_async"),
                         contracts.trl_async_advantages([r if w else None for r, w in zip(rewards, weights)]))

    def test_failed_members_get_zero_and_do_not_move_the_others_in_every_convention(self) -> None:
        for convention in ("verl", "trl", "trl_async"):
            with_failure = grpo_advantages(_group([1.0, 0.0, -0.1, 0.5], [1, 1, 0, 1]), convention)
            without = grpo_advantages(_group([1.0, 0.0, 0.5]), convention)
            self.assertEqual(with_failure[2], 0.0)
            self.assertClose([with_failure[0], with_failure[1], with_failure[3]], without)
            self.assertEqual(grpo_advantages(_group([1.0, 0.0], [0, 0]), convention), [0.0, 0.0])
        with self.assertRaises(ValueError):
            grpo_advantages(_group([1.0]), "openrlhf")


class VerlEstimatorTest(unittest.TestCase):
    def test_rows_with_an_all_zero_mask_stay_out_of_verls_group_statistics(self) -> None:
        # Two prompts, n = 4; row 2 is a failed member (reward_score None, filled with 0.0 by verl's reward loop, mask all 0).
        scores = [1.0, 0.0, 0.0, 0.5, 0.2, 0.2, 0.9, 0.0]
        mask_sums = [12, 9, 0, 7, 3, 4, 5, 6]
        index = ["a", "a", "a", "a", "b", "b", "b", "b"]
        got = grpo_advantage_leaving_out_masked(scores, mask_sums, index)
        kept = [i for i, m in enumerate(mask_sums) if m > 0]
        want = contracts.verl_grpo([scores[i] for i in kept], [index[i] for i in kept])
        self.assertEqual(got[2], 0.0)
        for i, w in zip(kept, want):
            self.assertAlmostEqual(got[i], w, places=12)
        # Stock verl would have put the 0.0 into prompt a's mean and std.
        self.assertNotAlmostEqual(contracts.verl_grpo(scores, index)[0], got[0], places=3)
        # The registered estimator receives only these arguments from verl's compute_advantage.
        self.assertEqual(contracts.VERL_ESTIMATOR_KWARGS, ("token_level_rewards", "response_mask", "config", "index"))
        self.assertEqual(grpo_advantage_leaving_out_masked([1.0], [3], ["a"], norm_adv_by_std_in_grpo=False), [1.0])
        with self.assertRaises(ValueError):
            grpo_advantage_leaving_out_masked([1.0], [1, 2], ["a"])


if __name__ == "__main__":
    unittest.main()
