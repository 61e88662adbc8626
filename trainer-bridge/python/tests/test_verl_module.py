"""worldfarm.verl's agent loop run end to end on the farm, with verl's classes stood in by their
contracts (tests/contracts.py): verl, torch and ray cannot be installed here, so this checks that
the module uses verl's API as read at b178a3cd (server manager, server address, config paths,
chat template, registry) and returns a valid AgentLoopOutput."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import types
import unittest
from typing import Any, Dict
from unittest import mock
from urllib.parse import urlsplit

from . import contracts
from .support import FARM_URL, POLICY_URL, farm

REGISTRY: Dict[str, Any] = {}
ESTIMATORS: Dict[str, Any] = {}


def _stand_ins() -> Dict[str, types.ModuleType]:
    """verl's agent_loop and core_algos modules as far as worldfarm.verl touches them."""
    agent_loop = types.ModuleType("verl.experimental.agent_loop.agent_loop")

    class AgentLoopBase:
        pass

    class AgentLoopMetrics(dict):
        def __init__(self, **fields: Any) -> None:
            unknown = set(fields) - set(contracts.AGENT_LOOP_METRICS)
            if unknown:
                raise TypeError(f"AgentLoopMetrics has no {sorted(unknown)}")
            super().__init__(**fields)

    class AgentLoopOutput(dict):
        def __init__(self, **fields: Any) -> None:
            super().__init__(**fields)

    def register(name: str):
        def decorator(cls: Any) -> Any:
            REGISTRY[name] = {"_target_": f"{cls.__module__}.{cls.__qualname__}"}
            return cls
        return decorator

    agent_loop.AgentLoopBase, agent_loop.AgentLoopMetrics, agent_loop.AgentLoopOutput, agent_loop.register = AgentLoopBase, AgentLoopMetrics, AgentLoopOutput, register
    core_algos = types.ModuleType("verl.trainer.ppo.core_algos")

    def register_adv_est(name: str):
        def decorator(fn: Any) -> Any:
            ESTIMATORS[name] = fn
            return fn
        return decorator

    core_algos.register_adv_est = register_adv_est
    modules = {name: types.ModuleType(name) for name in ("verl", "verl.experimental", "verl.experimental.agent_loop", "verl.trainer", "verl.trainer.ppo", "numpy", "torch")}
    modules["verl.experimental.agent_loop.agent_loop"] = agent_loop
    modules["verl.trainer.ppo.core_algos"] = core_algos
    return modules


class Remote:
    """A ray actor method: `.remote()` gives an awaitable."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def remote(self) -> Any:
        async def result() -> Any:
            return self.value
        return result()


class VerlModuleTest(unittest.TestCase):
    def test_the_registered_agent_loop_runs_a_row_on_the_farm_against_its_vllm_server(self) -> None:
        farm()  # skips without a farm
        with mock.patch.dict(sys.modules, _stand_ins()), mock.patch.dict(os.environ, {"WORLDFARM_URL": FARM_URL, "WORLDFARM_BATCH_OPTIONS": '{"max_turns": 30}'}):
            sys.modules.pop("worldfarm.verl", None)
            module = importlib.import_module("worldfarm.verl")
            try:
                self.assertEqual(REGISTRY["worldfarm"], {"_target_": "worldfarm.verl.WorldfarmAgentLoop"})
                self.assertIs(ESTIMATORS["worldfarm_grpo"], module.compute_worldfarm_grpo_advantage)
                policy = urlsplit(POLICY_URL)
                loop = module.WorldfarmAgentLoop()
                # What AgentLoopBase.__init__ sets, and the server manager AgentLoopWorker hands it.
                loop.config = types.SimpleNamespace(actor_rollout_ref=types.SimpleNamespace(rollout=types.SimpleNamespace(prompt_length=32768, response_length=64)))
                loop.server_manager = types.SimpleNamespace(_choose_server=lambda request_id: types.SimpleNamespace(get_server_address=Remote((policy.hostname, policy.port))))
                loop.tokenizer = types.SimpleNamespace(pad_token_id=151643)

                async def apply_chat_template(messages: Any) -> Any:
                    return [1, 2, 3]

                loop.apply_chat_template = apply_chat_template
                output = asyncio.run(loop.run({"temperature": 1.0}, raw_prompt=[{"role": "user", "content": "x"}],
                                              extra_info={"env": "shop", "task_id": "adjust-cart"}))
                row = dict(output)
                row["metrics"] = dict(row["metrics"])
                contracts.check_agent_loop_output(row, 32768, 64)
                self.assertEqual(len(row["response_ids"]), 64)
                self.assertEqual(row["extra_fields"]["worldfarm"]["status"], "completed")
            finally:
                sys.modules.pop("worldfarm.verl", None)


if __name__ == "__main__":
    unittest.main()
