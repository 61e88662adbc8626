"""The group stream against a real local farm: exactly once through cuts, waiting, errors."""

from __future__ import annotations

import itertools
import unittest
from typing import Any, List, Mapping, Optional

from worldfarm import GROUP_SCHEMA, Farm, FarmError, HttpTransport, ProtocolError, TransportError

from .support import CuttingProxy, SilentPolicy, fake_policy, farm, shop_tasks


class GroupStreamTest(unittest.TestCase):
    def test_every_group_once_in_log_order_then_the_end(self) -> None:
        client = farm()
        created = client.create_batch(shop_tasks(4), fake_policy(), group_size=3, policy_version="step-3", max_turns=30)
        self.assertEqual(created["rollouts"], 12)
        groups = list(client.groups(created["batchId"]))
        self.assertEqual([g["seq"] for g in groups], [0, 1, 2, 3])
        self.assertEqual({g["group_id"] for g in groups}, {f"{created['batchId']}.g{n}" for n in range(4)})
        for group in groups:
            self.assertEqual(group["schema"], GROUP_SCHEMA)
            self.assertEqual(group["policy"]["policy_version"], "step-3")
            self.assertEqual(len(group["trajectories"]), 3)
        self.assertEqual(client.batch(created["batchId"])["state"], "done")
        self.assertIn(created["batchId"], [b["batchId"] for b in client.batches()])

    def test_a_stream_cut_mid_line_again_and_again_still_gives_each_group_exactly_once(self) -> None:
        direct = farm()
        created = direct.create_batch(shop_tasks(10), fake_policy(), group_size=2, concurrency=4, max_turns=30)
        proxy = CuttingProxy(direct.base_url, lines_per_connection=[1, 2, 1, 3])
        try:
            through_proxy = farm(proxy.url, retries=5, backoff=0.01, max_backoff=0.05)
            ids = [g["group_id"] for g in through_proxy.groups(created["batchId"], heartbeat_ms=200)]
        finally:
            proxy.close()
        self.assertEqual(sorted(ids), sorted(f"{created['batchId']}.g{n}" for n in range(10)))
        self.assertEqual(len(ids), len(set(ids)))
        # Ten groups, at most three whole lines a connection: the stream was cut and resumed many times.
        self.assertGreaterEqual(proxy.cuts, 4)
        self.assertEqual(proxy.connections, proxy.cuts + 1)

    def test_a_cursor_beyond_the_end_waits_with_heartbeats_while_the_batch_runs(self) -> None:
        client = farm()
        silent = SilentPolicy()
        try:
            # Every policy call hangs until its 2 s timeout: the batch runs that long, then its members fail.
            created = client.create_batch(shop_tasks(1), fake_policy(baseUrl=silent.url, timeoutMs=2_000, maxRetries=0), group_size=2)
            waiting = list(itertools.islice(client.lines(created["batchId"], cursor=5, heartbeat_ms=100), 3))
            self.assertEqual(waiting, [{"type": "heartbeat", "cursor": 5, "state": "running"}] * 3)
            self.assertEqual(list(client.lines(created["batchId"], cursor=5, heartbeat_ms=100))[-1], {"type": "end", "cursor": 5, "state": "done"})
            # From the start, the failed group still arrives, its members at loss weight 0.
            [group] = client.groups(created["batchId"])
            self.assertEqual([(t["status"], t["loss_weight"]) for t in group["trajectories"]], [("failed", 0), ("failed", 0)])
        finally:
            silent.close()

    def test_an_unknown_batch_is_a_404_farm_error(self) -> None:
        client = farm()
        with self.assertRaises(FarmError) as raised:
            next(client.groups("b_doesnotexist000000000000"))
        self.assertEqual(raised.exception.status, 404)
        self.assertTrue(raised.exception.code.endswith("not_found"), raised.exception.code)
        with self.assertRaises(FarmError) as raised:
            client.batch("b_doesnotexist000000000000")
        self.assertEqual(raised.exception.status, 404)

    def test_a_deleted_batch_is_a_410_farm_error(self) -> None:
        client = farm()
        created = client.create_batch(shop_tasks(1), fake_policy(), group_size=1, max_turns=30)
        deleted = client.delete_batch(created["batchId"], keep_summary=False)
        self.assertEqual((deleted["batchId"], deleted["summaryKept"]), (created["batchId"], False))
        with self.assertRaises(FarmError) as raised:
            client.batch(created["batchId"])
        self.assertEqual((raised.exception.status, raised.exception.code), (410, "batch_deleted"))
        with self.assertRaises(FarmError) as raised:
            next(client.groups(created["batchId"]))
        self.assertEqual(raised.exception.status, 410)

    def test_a_bad_spec_is_a_400_naming_the_field(self) -> None:
        with self.assertRaises(FarmError) as raised:
            farm().create_batch(shop_tasks(1), fake_policy(), group_size=0)
        self.assertEqual(raised.exception.status, 400)
        self.assertIn("groupSize", raised.exception.message)

    def test_bad_arguments_fail_before_anything_is_sent(self) -> None:
        with self.assertRaises(ValueError):
            Farm("127.0.0.1:8787")
        client = farm()
        with self.assertRaises(ValueError):
            client.lines("b_x", cursor=-1)
        with self.assertRaises(ValueError):
            client.lines("b_x", heartbeat_ms=10)
        with self.assertRaises(TypeError):
            client.create_batch("shop", fake_policy())  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            client.create_batch(shop_tasks(1), {"baseUrl": "x"})


class _FlakyTransport(HttpTransport):
    """The real transport, failing the first `failures` connections the way a dropped network does."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.opened = 0

    def open(self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], timeout: float) -> Any:
        self.opened += 1
        if self.opened <= self.failures:
            raise ConnectionResetError("injected reset")
        return super().open(method, url, headers, body, timeout)


class _LinesTransport:
    """Answers every request 200 with the given body."""

    def __init__(self, body: List[bytes]) -> None:
        self.body = body

    def open(self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], timeout: float) -> Any:
        lines = self.body

        class Response:
            status = 200

            def lines(self) -> Any:
                return iter(lines)

            def read(self) -> bytes:
                return b"".join(lines)

            def close(self) -> None:
                pass

        return Response()


class TransportTest(unittest.TestCase):
    def test_network_errors_before_the_stream_opens_are_retried(self) -> None:
        base = farm()
        created = base.create_batch(shop_tasks(2), fake_policy(), group_size=2, max_turns=30)
        transport = _FlakyTransport(failures=3)
        client = farm(transport=transport, retries=3, backoff=0.01)
        self.assertEqual(len(list(client.groups(created["batchId"]))), 2)
        self.assertEqual(transport.opened, 4)

    def test_more_failures_in_a_row_than_retries_is_a_transport_error(self) -> None:
        client = Farm(farm().base_url, transport=_FlakyTransport(failures=100), retries=2, backoff=0)
        with self.assertRaises(TransportError) as raised:
            next(client.groups("b_any"))
        self.assertEqual(raised.exception.attempts, 3)
        self.assertIsInstance(raised.exception.cause, ConnectionResetError)

    def test_a_line_that_is_not_the_wire_format_is_a_protocol_error(self) -> None:
        for body in ([b"<html>\n"], [b'{"type": "surprise"}\n'], [b'{"type": "group", "schema": "worldfarm.group.v0"}\n']):
            with self.assertRaises(ProtocolError):
                next(Farm("http://127.0.0.1:1", transport=_LinesTransport(body)).groups("b_any"))


if __name__ == "__main__":
    unittest.main()
