/** An item the pipeline gave up on: its reasons go into the stage's record and the report. */
export class Dropped extends Error {
  readonly reasons: string[];

  constructor(reasons: string[]) {
    super(reasons.join("; "));
    this.name = "Dropped";
    this.reasons = reasons;
  }
}

/** Thrown by the LLM client under --dry-run once it has printed the prompt it would have sent. */
export class DryRun extends Error {
  constructor() {
    super("dry run: request printed, not sent");
    this.name = "DryRun";
  }
}

/** A non-2xx answer from an OpenAI-compatible endpoint. */
export class HttpError extends Error {
  readonly status: number;
  readonly retryAfterMs: number | undefined;

  constructor(status: number, message: string, retryAfterMs?: number) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}
