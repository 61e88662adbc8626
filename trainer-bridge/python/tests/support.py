"""What the tests share: the farm they run against, and two misbehaving network peers.

The farm is a real local one: `npm test` starts it (trainer-bridge/python-client.test.ts) and
passes its URLs in WORLDFARM_URL and WORLDFARM_POLICY_URL; against `npm start`, set them to
http://127.0.0.1:8787 and http://127.0.0.1:8788/v1.
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading
import unittest
from typing import Any, Dict, List, Optional

from worldfarm import Farm

FARM_URL = os.environ.get("WORLDFARM_URL", "")
POLICY_URL = os.environ.get("WORLDFARM_POLICY_URL", "")


def farm(url: Optional[str] = None, **options: Any) -> Farm:
    """A client of the test farm (or of `url` in front of it), with its admin token; skips the test when no farm was named."""
    if not FARM_URL or not POLICY_URL:
        raise unittest.SkipTest("set WORLDFARM_URL and WORLDFARM_POLICY_URL to a running farm and its policy")
    return Farm(url or FARM_URL, os.environ.get("FARM_ADMIN_TOKEN"), **options)


def fake_policy(**extra: Any) -> Dict[str, Any]:
    """The fake vLLM that plays the example tasks' reference solutions (token ids and logprobs included)."""
    return {"kind": "openai", "baseUrl": POLICY_URL, "model": "fake-policy", "backoffMs": 20, **extra}


def shop_tasks(n: int) -> List[Dict[str, str]]:
    """n shop tasks, by id, cycling when n exceeds what the example environment has."""
    ids = ["cheapest-headphones-in-stock", "total-spent-2025", "track-hydro-flask-order", "most-rated-laptop",
           "skillet-order-number", "add-sister-address", "update-phone-number", "adjust-cart"]
    return [{"env": "shop", "taskId": ids[i % len(ids)]} for i in range(n)]


class CuttingProxy:
    """A TCP proxy in front of the farm that cuts every response short.

    Each connection forwards the response's headers and `lines_per_connection[i]` whole NDJSON
    lines (the farm sends one HTTP chunk a line: size, data, CRLF, three newlines a line), then 40
    bytes of the next line, then drops both sockets. The client sees a connection reset in the
    middle of a group, every time.
    """

    def __init__(self, upstream: str, lines_per_connection: List[int]) -> None:
        host, port = upstream.split("//", 1)[1].rstrip("/").split(":")
        self.connections = 0
        self.cuts = 0
        lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with lock:
                    budget = lines_per_connection[proxy.connections % len(lines_per_connection)]
                    proxy.connections += 1
                upstream_socket = socket.create_connection((host, int(port)))
                threading.Thread(target=self._pump_requests, args=(upstream_socket,), daemon=True).start()
                if proxy._forward_until_cut(upstream_socket, self.request, budget):
                    with lock:
                        proxy.cuts += 1
                upstream_socket.close()

            def _pump_requests(self, upstream_socket: socket.socket) -> None:
                try:
                    while data := self.request.recv(65536):
                        upstream_socket.sendall(data)
                except OSError:
                    pass  # the response side closed both sockets

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @staticmethod
    def _forward_until_cut(source: socket.socket, sink: socket.socket, lines: int) -> bool:
        """Forwards until the cut point; True if it cut, False if the response ended first."""
        seen = b""
        in_body = False
        newlines = 0
        cut_at: Optional[int] = None
        while True:
            data = source.recv(65536)
            if not data:
                return False
            if not in_body:
                seen += data
                if b"\r\n\r\n" not in seen:
                    continue
                in_body = True
                body_start = seen.index(b"\r\n\r\n") + 4
                sink.sendall(seen[:body_start])
                data = seen[body_start:]
            for offset, byte in enumerate(data):
                if cut_at is None and byte == 0x0A:
                    newlines += 1
                    if newlines == 3 * lines + 1:
                        cut_at = offset + 1 + 40
            if cut_at is not None and cut_at <= len(data):
                sink.sendall(data[:cut_at])
                sink.shutdown(socket.SHUT_RDWR)
                return True
            sink.sendall(data)
            if cut_at is not None:
                cut_at -= len(data)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SilentPolicy:
    """A listener that accepts connections and never answers: a policy stuck mid-request."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/v1"

    def close(self) -> None:
        self._socket.close()
