import { backoffDelay } from "../../shared/backoff.ts";
import type { DeliverSpec, Group } from "../../shared/group.ts";

const encoder = new TextEncoder();
const MAX_BACKOFF_MS = 60_000;
const TIMEOUT_MS = 10_000;

/** `sha256=<hex>` of HMAC-SHA256(secret, body): what a receiver recomputes over the raw body to trust it. */
export async function signature(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The wait after `attempts` failed deliveries: equal jitter, so receivers coming back are not hit in lockstep. */
export function retryDelay(attempts: number, backoffMs: number): number {
  return backoffDelay(attempts - 1, { baseMs: backoffMs, capMs: MAX_BACKOFF_MS, jitter: "equal" });
}

/** One delivery attempt; anything but a 2xx (or no answer in time) is a failure to retry. */
export async function postGroup(spec: DeliverSpec, group: Group): Promise<{ ok: true } | { ok: false; error: string }> {
  const body = JSON.stringify(group);
  try {
    const res = await fetch(spec.url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-worldfarm-signature": await signature(spec.secret, body),
        "x-worldfarm-delivery": group.group_id,
        "x-worldfarm-seq": String(group.seq),
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.ok ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
