"""examples/grpo_loop.py runs against the farm: two small steps, each tagged RUN@STEP; without a farm it says so."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request
from pathlib import Path

from .support import FARM_URL, POLICY_URL, farm

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "grpo_loop.py"


class ExampleTest(unittest.TestCase):
    def test_two_steps_of_the_grpo_loop(self) -> None:
        farm()  # skips without a farm
        run = subprocess.run(
            [sys.executable, str(EXAMPLE), "--url", FARM_URL, "--policy-url", POLICY_URL, "--steps", "2", "--tasks", "2", "--group-size", "2"],
            capture_output=True, text=True, timeout=120,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        steps = re.findall(r"^step (\d) \((grpo-example@\d)\): 2 groups, (\d+) trajectories, \d+ verl rows, reward mean ([\d.]+)", run.stdout, re.MULTILINE)
        self.assertEqual([(s[0], s[1]) for s in steps], [("0", "grpo-example@0"), ("1", "grpo-example@1")], run.stdout)
        for _, _, trajectories, mean in steps:
            self.assertLessEqual(int(trajectories), 4)
            self.assertTrue(0 <= float(mean) <= 1, run.stdout)
        # Each printed group carries the version of the step that asked for it.
        self.assertEqual(len(re.findall(r"^  grpo-example@0 ", run.stdout, re.MULTILINE)), 2, run.stdout)
        self.assertEqual(len(re.findall(r"^  grpo-example@1 ", run.stdout, re.MULTILINE)), 2, run.stdout)
        # Tagged NAME@STEP, the batches make one run with a point per step: the dashboard's reward curve.
        token = os.environ.get("FARM_ADMIN_TOKEN")
        request = urllib.request.Request(f"{FARM_URL}/v1/runs?limit=500", headers={"authorization": f"Bearer {token}"} if token else {})
        with urllib.request.urlopen(request, timeout=30) as res:
            runs = json.load(res)["runs"]
        mine = next(r for r in runs if r["run"] == "grpo-example")
        self.assertGreaterEqual(len(mine["batches"]), 2)

    def test_without_a_farm_it_says_so_without_a_traceback(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{s.getsockname()[1]}"
        run = subprocess.run([sys.executable, str(EXAMPLE), "--url", closed, "--steps", "1"], capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 1)
        self.assertIn(f"cannot reach the farm at {closed}", run.stderr)
        self.assertNotIn("Traceback", run.stderr)

    def test_help_shows_the_defaults_but_not_the_token(self) -> None:
        run = subprocess.run([sys.executable, str(EXAMPLE), "--help"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "FARM_ADMIN_TOKEN": "secret-token", "WORLDFARM_URL": "http://127.0.0.1:8787"})
        self.assertEqual(run.returncode, 0)
        for default in ("(default: http://127.0.0.1:8787)", "(default: grpo-example)", "(default: 3)", "(default: $FARM_ADMIN_TOKEN)"):
            self.assertIn(default, " ".join(run.stdout.split()))
        self.assertNotIn("secret-token", run.stdout)

    def test_the_checkout_wins_over_an_installed_copy(self) -> None:
        # An older worldfarm earlier on the path, as a pip-installed copy would be.
        with tempfile.TemporaryDirectory() as old:
            os.mkdir(os.path.join(old, "worldfarm"))
            with open(os.path.join(old, "worldfarm", "__init__.py"), "w") as f:
                f.write("raise ImportError('the old installed copy was imported')\n")
            run = subprocess.run([sys.executable, str(EXAMPLE), "--help"], capture_output=True, text=True, timeout=60,
                                 env={**os.environ, "PYTHONPATH": old})
        self.assertEqual(run.returncode, 0, run.stderr)

    def test_bad_flags_are_refused(self) -> None:
        run = subprocess.run([sys.executable, str(EXAMPLE), "--steps", "0"], capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 2)
        self.assertIn("must be positive", run.stderr)


if __name__ == "__main__":
    unittest.main()
