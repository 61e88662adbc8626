"""worldfarm.verl's and worldfarm.trl's logic on real farm groups, against the contracts read from
verl's and TRL's source (tests/contracts.py): one row per trajectory, in order, never empty, cut to
the configured lengths, masked and without reward where a member cannot be trained on."""

from __future__ import annotations

import copy
import queue
import socket
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, Dict, List

from worldfarm import Farm, WorldfarmError, grpo_advantages, task_list, to_trl, to_verl, trajectory_row
from worldfarm._verl_loop import FarmAgentRunner, grpo_advantage_leaving_out_masked, row_task, served_model
from worldfarm.trl import FarmRollouts, FarmRolloutWorker, async_rows, farm_reward

from . import contracts
from .support import POLICY_URL, fake_policy, farm, shop_tasks

EOS = 151645
TASK_IDS = ["cheapest-headphones-in-stock", "track-hydro-flask-order", "add-sister-address"]


def dead_url() -> str:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{closed.getsockname()[1]}/v1"


def groups(client: Farm, tasks: Any, policy: Dict[str, Any], **options: Any) -> List[Dict[str, Any]]:
    return list(client.groups(client.create_batch(tasks, policy, **options)["batchId"]))


class FakeTokenizer:
    eos_token_id = EOS

    def apply_chat_template(self, prompt: Any, add_generation_prompt: bool, tokenize: bool) -> List[int]:
        return [7, 8, 9]

    def encode(self, text: str) -> List[int]:
        return [7, 8]


def trainer(step: int = 3) -> Any:
    """What a rollout_func reads of GRPOTrainer: processing_class and state.global_step."""
    return SimpleNamespace(processing_class=FakeTokenizer(), state=SimpleNamespace(global_step=step))


class VerlAgentLoopTest(unittest.TestCase):
    def runner(self, **batch_options: Any) -> FarmAgentRunner:
        return FarmAgentRunner(farm(), {"max_turns": 30, **batch_options}, {"backoffMs": 20})

    def run_row(self, runner: FarmAgentRunner, task_id: str, base_url: str = POLICY_URL, prompt_length: int = 32768, response_length: int = 4096) -> Dict[str, Any]:
        return runner.run(row_task({"extra_info": {"env": "shop", "task_id": task_id}}), base_url=base_url, model="fake-policy",
                          sampling_params={"temperature": 1.0, "top_p": 1.0}, prompt_length=prompt_length, response_length=response_length,
                          fallback_prompt_ids=[7, 8, 9], pad_token_id=0)

    def test_one_valid_output_per_row_grouped_by_verl_and_scored_by_the_estimator(self) -> None:
        runner = self.runner()
        rows = [(task_id, n) for task_id in TASK_IDS for n in range(2)]  # verl runs each prompt n = 2 times
        with ThreadPoolExecutor(6) as pool:
            outputs = list(pool.map(lambda row: self.run_row(runner, row[0]), rows))
        self.assertEqual(len(outputs), len(rows))
        contracts.check_agent_loop_batch(outputs)
        for output in outputs:
            contracts.check_agent_loop_output(output, 32768, 4096)
            info = output["extra_fields"]["worldfarm"]
            if info["left_out"] is None:
                self.assertEqual(output["reward_score"], info["farm_reward"])
                self.assertIn(1, output["response_mask"])
                # Token in, token out: the trajectory is one sample whatever its number of turns.
                self.assertGreater(info["policy_turns"], 1)
            else:
                self.assertIsNone(output["reward_score"])
                self.assertEqual(set(output["response_mask"]), {0})
            self.assertEqual(output["multi_modal_data"], {})
            self.assertGreater(output["metrics"]["generate_sequences"], 0.0)
        # verl fills None scores through its reward loop (worldfarm/verl_reward.py gives 0.0) and sums each row's scores.
        scores = [o["reward_score"] if o["reward_score"] is not None else 0.0 for o in outputs]
        got = grpo_advantage_leaving_out_masked(scores, [sum(o["response_mask"]) for o in outputs], [t for t, _ in rows])
        kept = [i for i, o in enumerate(outputs) if sum(o["response_mask"]) > 0]
        self.assertGreater(len(kept), 3)
        for i, want in zip(kept, contracts.verl_grpo([scores[i] for i in kept], [rows[i][0] for i in kept])):
            self.assertAlmostEqual(got[i], want, places=9)

    def test_lengths_are_cut_to_verls_limits(self) -> None:
        runner = self.runner()
        short = self.run_row(runner, TASK_IDS[0], response_length=40)
        contracts.check_agent_loop_output(short, 32768, 40)
        self.assertEqual(len(short["response_ids"]), 40)
        self.assertTrue(short["extra_fields"]["worldfarm"]["response_truncated"])
        self.assertEqual(len(short["response_logprobs"]), 40)
        # A prompt longer than prompt_length keeps its end and is left out: the policy never saw that context.
        cut = self.run_row(runner, TASK_IDS[0], prompt_length=50)
        contracts.check_agent_loop_output(cut, 50, 4096)
        self.assertEqual((cut["extra_fields"]["worldfarm"]["left_out"], cut["reward_score"], set(cut["response_mask"])), ("prompt_too_long", None, {0}))

    def test_a_failed_rollout_is_a_valid_masked_output_without_reward(self) -> None:
        output = self.run_row(FarmAgentRunner(farm(), {}, {"maxRetries": 0}), TASK_IDS[1], base_url=dead_url())
        contracts.check_agent_loop_output(output, 32768, 4096)
        self.assertEqual(output["extra_fields"]["worldfarm"]["status"], "failed")
        self.assertEqual((output["prompt_ids"], output["response_ids"], output["response_mask"], output["reward_score"]), ([7, 8, 9], [0], [0], None))
        self.assertEqual(output["response_logprobs"], [0.0])

    def test_a_trajectory_split_by_history_truncation_is_left_out_not_trained_twice(self) -> None:
        output = self.run_row(self.runner(truncation={"keepTurns": 1}), "adjust-cart")
        contracts.check_agent_loop_output(output, 32768, 4096)
        self.assertEqual((output["extra_fields"]["worldfarm"]["left_out"], output["reward_score"], set(output["response_mask"])), ("split", None, {0}))

    def test_rows_name_their_task_and_the_server_names_its_model(self) -> None:
        self.assertEqual(served_model(POLICY_URL), "fake-policy")
        with self.assertRaises(WorldfarmError):
            row_task({"extra_info": {"env": "shop"}})
        tasks = task_list(farm(), {"shop": TASK_IDS[:2]})
        self.assertEqual([t["task_id"] for t in tasks], TASK_IDS[:2])
        self.assertTrue(all(t["prompt"] for t in tasks))
        with self.assertRaises(ValueError):
            task_list(farm(), {"shop": ["no-such-task"]})


class TrlRolloutFuncTest(unittest.TestCase):
    def test_exactly_one_nonempty_row_per_prompt_in_order_grouped_as_trl_groups(self) -> None:
        client = farm()
        rollouts = FarmRollouts(client, fake_policy(), {"shop": TASK_IDS}, max_turns=30)
        dataset = {row["task_id"]: row["prompt"] for row in rollouts.dataset()}
        self.assertEqual(sorted(dataset), sorted(TASK_IDS))
        # TRL's RepeatSampler repeats each prompt num_generations times in a row; the slice may end mid-group.
        prompts = [dataset[TASK_IDS[0]]] * 3 + [dataset[TASK_IDS[1]]] * 3 + [dataset[TASK_IDS[2]]] * 2
        out = rollouts(prompts, trainer(step=5))
        contracts.check_rollout_func_output(out, prompts)
        self.assertEqual(len(set(out["trajectory_id"])), len(prompts))
        ids = out["group_id"]
        self.assertEqual([ids[0]] * 3 + [ids[3]] * 3 + [ids[6]] * 2, ids)
        self.assertEqual(len({ids[0], ids[3], ids[6]}), 3)
        for i in range(len(prompts)):
            trainable = out["left_out"][i] is None
            self.assertEqual(out["reward"][i] is None, not trainable)
            if not trainable:
                self.assertEqual(set(out["env_mask"][i]), {0})
        self.assertEqual(farm_reward(**out), out["reward"])

    def test_a_failed_group_gives_masked_rows_that_trl_leaves_out_of_the_baseline(self) -> None:
        rollouts = FarmRollouts(farm(), fake_policy(baseUrl=dead_url(), maxRetries=0), {"shop": TASK_IDS[:1]})
        prompt = rollouts.dataset()[0]["prompt"]
        out = rollouts([prompt, prompt], trainer())
        contracts.check_rollout_func_output(out, [prompt, prompt])
        self.assertEqual(out["prompt_ids"], [[7, 8, 9], [7, 8, 9]])
        self.assertEqual(out["completion_ids"], [[EOS], [EOS]])
        self.assertEqual((out["env_mask"], out["reward"], out["left_out"]), ([[0], [0]], [None, None], ["failed", "failed"]))
        self.assertEqual(contracts.trl_advantages(out["reward"], 2), [0.0, 0.0])

    def test_trls_grouping_on_a_real_group_with_a_failed_member(self) -> None:
        [group] = groups(farm(), shop_tasks(1), fake_policy(tokenInTokenOut=True), group_size=4, max_turns=30)
        # One member of a real group as the farm reports a crashed rollout: failed, loss weight 0.
        mixed = copy.deepcopy(group)
        mixed["trajectories"][1].update(status="failed", loss_weight=0, stop_reason="policy_error", error="crashed")
        out = to_trl(mixed, eos_token_id=EOS)
        self.assertIsNone(out["reward"][1])
        trl = contracts.trl_advantages(out["reward"], 4)
        self.assertEqual(trl[1], 0.0)
        for i in (0, 2, 3):
            self.assertEqual(out["reward"][i], mixed["trajectories"][i]["reward"])
        # The farm's own TRL convention agrees with what TRL computes from those rows.
        for got, want in zip(grpo_advantages(mixed, "trl"), trl):
            self.assertAlmostEqual(got, want, places=9)
        for got, want in zip(grpo_advantages(mixed, "verl"), contracts.verl_grpo([out["reward"][i] for i in (0, 2, 3)], [0, 0, 0])[:1] + [0.0] + contracts.verl_grpo([out["reward"][i] for i in (0, 2, 3)], [0, 0, 0])[1:]):
            self.assertAlmostEqual(got, want, places=9)

    def test_cancelled_members_and_missing_logprobs_are_left_out_never_scored(self) -> None:
        client = farm()
        created = client.create_batch(shop_tasks(8), fake_policy(tokenInTokenOut=True), group_size=2, concurrency=1, max_turns=30)
        client.cancel(created["batchId"])
        cancelled = [t for g in client.groups(created["batchId"]) for t in g["trajectories"] if t["status"] == "cancelled"]
        self.assertGreater(len(cancelled), 0)
        for t in cancelled:
            self.assertEqual(trajectory_row(t).reason, "cancelled")
        # A server that sends no logprobs: they are null on the wire, and the rows refuse them.
        [group] = groups(client, shop_tasks(1), fake_policy(logprobs=False, tokenInTokenOut=True), group_size=2, max_turns=30)
        for t in group["trajectories"]:
            if t["loss_weight"] == 1:
                sample = t["samples"][0]
                self.assertEqual({lp for lp, m in zip(sample["response_logprobs"], sample["response_mask"]) if m == 1}, {None})
                self.assertEqual(trajectory_row(t).reason, "no_logprobs")
        for row in to_verl(group, prompt_length=32768, response_length=4096):
            self.assertIsNone(row["reward_score"])
            self.assertEqual(set(row["response_mask"]), {0})
        self.assertEqual(to_trl(group, eos_token_id=EOS)["reward"], [None, None])


class TrlAsyncWorkerTest(unittest.TestCase):
    def test_rows_per_sample_with_one_advantage_per_trajectory_on_split_trajectories(self) -> None:
        [group] = groups(farm(), [{"env": "shop", "taskId": "adjust-cart"}], fake_policy(), group_size=3, max_turns=30, truncation={"keepTurns": 1})
        rows = async_rows(group, model_version=2, group_id=11)
        usable = [t for t in group["trajectories"] if t["loss_weight"] == 1 and t["samples"]]
        self.assertEqual(len(rows), sum(len(t["samples"]) for t in usable))
        self.assertGreater(len(rows), len(usable), "keepTurns 1 should split trajectories into several samples")
        advantages = contracts.trl_async_advantages([t["reward"] if t in usable else None for t in group["trajectories"]])
        at = 0
        for t, advantage in zip(group["trajectories"], advantages):
            if t not in usable:
                continue
            for sample in t["samples"]:
                row = rows[at]
                at += 1
                contracts.check_rollout_sample(row)
                self.assertEqual(row["input_ids"], sample["prompt_ids"] + sample["response_ids"])
                self.assertEqual(row["completion_mask"], [0] * len(sample["prompt_ids"]) + sample["response_mask"])
                self.assertAlmostEqual(row["advantage"], advantage, places=9)
                self.assertEqual((row["model_version"], row["group_id"], row["metrics"]["reward"]), (2, 11, t["reward"]))

    def test_the_worker_keeps_the_buffer_fed_tagged_with_the_live_model_version(self) -> None:
        for method in contracts.ROLLOUT_WORKER_METHODS:
            self.assertTrue(callable(getattr(FarmRolloutWorker, method)))
        worker = FarmRolloutWorker(farm(), fake_policy(), shop_tasks(2), group_size=2, sample_factory=dict, max_turns=30)
        with self.assertRaises(WorldfarmError):
            worker.check_health(60)
        worker.start()
        try:
            first = worker.rollout_buffer.get(timeout=120)
            contracts.check_rollout_sample(first)
            self.assertEqual(first["model_version"], 0)
            worker.update_model_version(3)
            deadline = time.monotonic() + 180
            seen = set()
            while 3 not in seen and time.monotonic() < deadline:
                try:
                    seen.add(worker.rollout_buffer.get(timeout=5)["model_version"])
                except queue.Empty:
                    pass
                worker.check_health(120)
            self.assertIn(3, seen)
        finally:
            worker.stop()
        with self.assertRaises(WorldfarmError):
            worker.check_health(60)


if __name__ == "__main__":
    unittest.main()
