import { exports } from "cloudflare:workers";
import { inject } from "vitest";
import { type FarmApi, settled as settledWith, startBatch as startBatchWith } from "../cli/testing/batches.ts";
import type { BundleManifest, ToolInfo } from "../workers/shared/manifest.ts";
import { sha256hex } from "../workers/env-host/bundle-check.ts";

export const BASE = "http://farm.test";

export function farm(path: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  return exports.default.fetch(new Request(BASE + path, { ...init, headers, body }));
}

/** The farm as a fetch function, for MCP clients. */
export const farmFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input as RequestInfo, init));

export async function upload(name: string, token?: string): Promise<{ bundleId: string }> {
  const bundle = inject("bundles")[name];
  if (!bundle) throw new Error(`no bundle ${name}`);
  const res = await farm(`/v1/envs/${name}`, { method: "PUT", json: bundle, ...(token ? { token } : {}) });
  if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { bundleId: string };
}

/** Uploads a bundle written by hand (no SDK, no build) whose manifest lists `tools`; answers the farm's response. */
export async function uploadModule(name: string, module: string, tools: ToolInfo[]): Promise<Response> {
  const manifest: BundleManifest = {
    format: "worldfarm.bundle.v1",
    name,
    description: "hand-written",
    bundleId: await sha256hex(module),
    sdkVersion: "1",
    schemaHash: "0",
    tools,
    tasks: [],
  };
  return farm(`/v1/envs/${name}`, { method: "PUT", json: { manifest, module } });
}

export interface Created {
  instanceId: string;
  mcpUrl: string;
  callUrl: string;
  token: string;
  bundleId: string;
}

export async function createInstance(env: string, options: Record<string, unknown> = {}): Promise<Created> {
  const res = await farm(`/v1/envs/${env}/instances`, { method: "POST", json: options });
  if (res.status !== 201) throw new Error(`create ${env}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Created;
}

export async function call(created: Created, tool: string, args: Record<string, unknown> = {}) {
  const res = await farm(`/v1/instances/${created.instanceId}/call`, {
    method: "POST",
    json: { tool, args },
    token: created.token,
  });
  return (await res.json()) as { ok: boolean; result?: unknown; message?: string; kind?: string };
}

/** The farm's JSON API through the Worker's own fetch, for the helpers shared with the Node tests. */
export function farmApi(token?: string): FarmApi {
  return {
    async request<T>(method: string, path: string, { body }: { body?: unknown } = {}): Promise<T> {
      const res = await farm(path, {
        method,
        ...(body !== undefined ? { json: body } : {}),
        ...(token ? { token } : {}),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}

export const startBatch = (spec: unknown, token?: string) => startBatchWith(farmApi(token), spec);

/** The batch's status once it stopped running (an error if it is still running after timeoutMs). */
export const settled = (batchId: string, options: { timeoutMs?: number; token?: string } = {}) =>
  settledWith(farmApi(options.token), batchId, options.timeoutMs);

/** What an RPC call that must fail failed with (an RPC promise handed to expect().rejects leaks a rejection). */
export const refusal = (call: Promise<unknown>) =>
  call.then(
    () => "answered",
    (err: Error) => err.message,
  );
