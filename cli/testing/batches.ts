import type { BatchCreated, BatchStatus } from "../../workers/shared/batch.ts";

/** What the helpers need of a farm: its JSON API. The client's Farm is one; workerd tests wrap the Worker's own fetch. */
export interface FarmApi {
  request<T>(method: string, path: string, options?: { body?: unknown }): Promise<T>;
}

export function startBatch(api: FarmApi, spec: unknown): Promise<BatchCreated> {
  return api.request<BatchCreated>("POST", "/v1/batches", { body: spec });
}

/** The batch's status once it stopped running; past the deadline, an error naming the batch and its counts. */
export async function settled(api: FarmApi, batchId: string, timeoutMs = 60_000): Promise<BatchStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await api.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
    if (status.state !== "running") return status;
    if (Date.now() > deadline) {
      throw new Error(`batch ${batchId} still running after ${timeoutMs} ms: ${JSON.stringify(status.counts)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
