"""The Python truncation gives what the orchestrator's gives, on the fixtures both are tested against."""

from __future__ import annotations

import json
import unittest
from pathlib import Path

from worldfarm import estimate_tokens, truncate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "truncate-cases.json"


class TruncateTest(unittest.TestCase):
    def test_shared_cases(self) -> None:
        cases = json.loads(FIXTURES.read_text(encoding="utf-8"))["cases"]
        self.assertGreaterEqual(len(cases), 10)
        for case in cases:
            with self.subTest(case["name"]):
                messages, options, expected = case["messages"], case["options"], case["expected"]
                result = truncate(messages, keep_turns=options.get("keepTurns"), max_tokens=options.get("maxTokens"))
                self.assertEqual([next(i for i, m in enumerate(messages) if m is kept) for kept in result.messages], expected["kept"])
                self.assertEqual((result.dropped, result.rewritten), (expected["dropped"], expected["rewritten"]))
                self.assertEqual([estimate_tokens(m) for m in messages], expected["tokens"])

    def test_non_ascii_is_counted_in_utf16_units_as_javascript_does(self) -> None:
        self.assertEqual(estimate_tokens({"role": "user", "content": "🍎🍎"}), 1)  # four UTF-16 units, two code points
        self.assertEqual(estimate_tokens({"role": "user", "content": "🍎🍎🍎"}), 2)
        self.assertEqual(estimate_tokens({"role": "assistant", "content": None}), 1)  # JSON.stringify("") is two characters

    def test_keep_turns_below_one_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            truncate([], keep_turns=0)


if __name__ == "__main__":
    unittest.main()
