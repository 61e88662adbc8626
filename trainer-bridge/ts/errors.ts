/**
 * Every error the client throws:
 *
 *   WorldfarmError          anything this client throws on purpose
 *   ├── FarmError           the farm answered with an error: status, code, message from `{error: {code, message}}`
 *   ├── TransportError      the farm could not be reached, or a stream kept breaking after every retry
 *   └── ProtocolError       the farm sent something that breaks the wire contract
 */
export class WorldfarmError extends Error {
  override name = "WorldfarmError";
}

export class FarmError extends WorldfarmError {
  override name = "FarmError";
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** The farm's `{error: {code, message}}`, or the raw text under `http_<status>` when a proxy answered instead. */
  static async from(res: Response): Promise<FarmError> {
    const text = await res.text();
    try {
      const { error } = JSON.parse(text) as { error: { code: string; message: string } };
      if (typeof error?.code === "string" && typeof error.message === "string") return new FarmError(res.status, error.code, error.message);
    } catch {
      // Not the farm's error JSON: keep the raw text.
    }
    return new FarmError(res.status, `http_${res.status}`, text.trim() || "(empty body)");
  }
}

export class TransportError extends WorldfarmError {
  override name = "TransportError";
  readonly attempts: number;

  constructor(message: string, attempts: number, cause?: unknown) {
    super(message, { cause });
    this.attempts = attempts;
  }
}

export class ProtocolError extends WorldfarmError {
  override name = "ProtocolError";
}
