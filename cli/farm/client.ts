import type { BuiltBundle } from "../build/bundle-env.ts";

/** The farm answered with an error: its `{error:{code,message}}` and HTTP status. */
export class FarmApiError extends Error {
  override readonly name = "FarmApiError";
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The few farm calls the CLI makes, with the farm's own error text on failure. */
export class FarmClient {
  readonly url: string;
  private readonly token: string | undefined;

  constructor(url: string, token?: string) {
    this.url = url;
    this.token = token;
  }

  /** A request with the admin token; a farm that cannot be reached is said so, with what to do. */
  async fetch(method: string, path: string, init: { body?: unknown; bearer?: string; signal?: AbortSignal } = {}): Promise<Response> {
    const bearer = init.bearer ?? this.token;
    try {
      return await fetch(new URL(path, this.url), {
        method,
        headers: {
          ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const message = `cannot reach the farm at ${this.url} (${cause?.code ?? cause?.message ?? (err as Error).message}): start one with "npm start", or pass --url`;
      throw Object.assign(new Error(message), { code: "farm_unreachable" });
    }
  }

  async request<T>(method: string, path: string, body?: unknown, bearer?: string): Promise<T> {
    const res = await this.fetch(method, path, { body, ...(bearer ? { bearer } : {}) });
    await this.assertOk(res, method, path);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Throws the farm's `{error:{code,message}}` when a response is not a success. */
  async assertOk(res: Response, method: string, path: string): Promise<void> {
    if (res.ok) return;
    const text = await res.text();
    let code = `http_${res.status}`;
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { code: string; message: string } };
      if (parsed.error) ({ code, message } = parsed.error);
    } catch {}
    throw new FarmApiError(res.status, code, `${method} ${path} -> ${res.status} ${code}: ${message}`);
  }

  upload(bundle: BuiltBundle) {
    return this.request<{ name: string; bundleId: string }>("PUT", `/v1/envs/${bundle.manifest.name}`, bundle);
  }
}
