"""examples/grpo_loop.py runs against the farm: two small steps, each tagged with its policy version."""

from __future__ import annotations

import re
import subprocess
import sys
import unittest
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
        steps = re.findall(r"^step (\d) \((step-\d)\): 2 groups, (\d+) trajectories, \d+ verl rows, reward mean ([\d.]+)", run.stdout, re.MULTILINE)
        self.assertEqual([(s[0], s[1]) for s in steps], [("0", "step-0"), ("1", "step-1")], run.stdout)
        for _, _, trajectories, mean in steps:
            self.assertLessEqual(int(trajectories), 4)
            self.assertTrue(0 <= float(mean) <= 1, run.stdout)
        # Each printed group carries the version of the step that asked for it.
        self.assertEqual(len(re.findall(r"^  step-0 ", run.stdout, re.MULTILINE)), 2, run.stdout)
        self.assertEqual(len(re.findall(r"^  step-1 ", run.stdout, re.MULTILINE)), 2, run.stdout)

    def test_bad_flags_are_refused(self) -> None:
        run = subprocess.run([sys.executable, str(EXAMPLE), "--steps", "0"], capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 2)
        self.assertIn("must be positive", run.stderr)


if __name__ == "__main__":
    unittest.main()
