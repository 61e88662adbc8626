import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error type of the farm; `app.onError` turns it into `{error:{code,message}}`. */
export class FarmError extends Error {
  override readonly name = "FarmError";
  readonly code: string;
  readonly status: ContentfulStatusCode;

  constructor(code: string, status: ContentfulStatusCode, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message } };
  }
}

/** RPC turns thrown errors into plain Errors; the code travels in the message so the Worker can rebuild it. */
export function encodeFarmError(err: FarmError): Error {
  return new Error(`FarmError|${err.code}|${err.status}|${err.message}`);
}

export function decodeFarmError(err: unknown): FarmError | undefined {
  if (err instanceof FarmError) return err;
  const match = err instanceof Error ? /^FarmError\|([a-z_]+)\|(\d{3})\|([\s\S]*)$/.exec(err.message) : null;
  return match ? new FarmError(match[1]!, Number(match[2]) as ContentfulStatusCode, match[3]!) : undefined;
}
