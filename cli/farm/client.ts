import type { BuiltBundle } from "../build/bundle-env.ts";

/** The few farm calls the CLI makes, with the farm's own error text on failure. */
export class FarmClient {
  readonly url: string;
  private readonly token: string | undefined;

  constructor(url: string, token?: string) {
    this.url = url;
    this.token = token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.url), {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        const parsed = JSON.parse(text) as { error?: { code: string; message: string } };
        if (parsed.error) message = `${parsed.error.code}: ${parsed.error.message}`;
      } catch {}
      throw new Error(`${method} ${path} -> ${res.status} ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  upload(bundle: BuiltBundle) {
    return this.request<{ name: string; bundleId: string }>("PUT", `/v1/envs/${bundle.manifest.name}`, bundle);
  }
}
