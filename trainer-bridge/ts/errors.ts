import type { ContentfulStatusCode } from "hono/utils/http-status";
import { FarmError } from "../../workers/shared/errors.ts";

/**
 * Every error the client throws on purpose, each with a `code` (what the CLI prints under `--json`):
 *
 *   FarmError        the farm answered with an error: its `{error: {code, message}}` and HTTP status. The Worker's
 *                    own class (workers/shared/errors.ts), so client and farm agree on its fields.
 *   TransportError   code farm_unreachable: the farm could not be reached, or a stream kept breaking after every retry
 *   ProtocolError    code protocol_error: the farm sent something that breaks the wire contract
 *
 * Bad arguments to the client's own methods throw TypeError or RangeError before anything is sent.
 */
export { FarmError };

export class TransportError extends Error {
  override readonly name = "TransportError";
  readonly code = "farm_unreachable";
  readonly attempts: number;

  constructor(message: string, attempts: number, cause?: unknown) {
    super(message, { cause });
    this.attempts = attempts;
  }
}

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code = "protocol_error";
}

/**
 * The farm's `{error: {code, message}}`, or the raw text under `http_<status>` when a proxy answered instead.
 * The message names the request, so an error printed alone says which call failed.
 */
export async function farmErrorFrom(res: Response, method: string, path: string): Promise<FarmError> {
  const text = await res.text();
  let code = `http_${res.status}`;
  let message = text.trim() || "(empty body)";
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof error?.code === "string" && typeof error.message === "string")
      ({ code, message } = error as { code: string; message: string });
  } catch {
    // Not the farm's error JSON: keep the raw text.
  }
  return new FarmError(
    code,
    res.status as ContentfulStatusCode,
    `${method} ${path} -> ${res.status} ${code}: ${message}`,
  );
}
