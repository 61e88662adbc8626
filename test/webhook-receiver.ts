import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, readBody } from "../cli/node-http.ts";

export interface Received {
  delivery: string;
  seq: number;
  /** Whether the signature header matches the body under the secret the test registered for this hook. */
  signatureOk: boolean;
  body: unknown;
}

/**
 * A webhook receiver for the workerd tests, which cannot listen on a port themselves. Each hook (a path name)
 * first answers PUT with its secret; POSTs then fail with 500 `failures` times per delivery id before one is
 * accepted; GET lists what was accepted and how many attempts each delivery took.
 */
export async function startWebhookReceiver(failures: number) {
  const secrets = new Map<string, string>();
  const attempts = new Map<string, number>();
  const accepted = new Map<string, Received[]>();
  const server = createServer(async (req, res) => {
    // A sender that dies mid-request (a runtime killed in the recovery tests) leaves nothing to answer.
    const body = await readBody(req).catch(() => null);
    if (body === null) return;
    const hook = (req.url ?? "/").slice(1);
    if (req.method === "PUT") {
      secrets.set(hook, body);
      accepted.set(hook, []);
      res.writeHead(204).end();
    } else if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          accepted: accepted.get(hook) ?? [],
          attempts: Object.fromEntries([...attempts].filter(([k]) => k.startsWith(`${hook} `))),
        }),
      );
    } else {
      const delivery = String(req.headers["x-worldfarm-delivery"]);
      const key = `${hook} ${delivery}`;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (n <= failures) {
        res.writeHead(500).end("not yet");
        return;
      }
      const expected = `sha256=${createHmac("sha256", secrets.get(hook) ?? "")
        .update(body)
        .digest("hex")}`;
      accepted.get(hook)?.push({
        delivery,
        seq: Number(req.headers["x-worldfarm-seq"]),
        signatureOk: req.headers["x-worldfarm-signature"] === expected,
        body: JSON.parse(body),
      });
      res.writeHead(200).end("ok");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
  };
}
