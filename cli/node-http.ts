import type { IncomingMessage, Server, ServerResponse } from "node:http";

/** What the local fake servers (policy, LLM, webhook receiver) share: whole bodies in, JSON out, a prompt close. */

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/** A body already written as JSON. */
export function sendJsonText(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(json);
}

/** Closes without waiting for keep-alive clients to hang up. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((err) => (err ? reject(err) : resolve()));
  });
}
