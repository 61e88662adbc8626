/**
 * After the farm as a whole stops and starts again on its state folder, local workerd fires no alarm of an object
 * it has not opened since (measured: 200 running rollouts made no policy request in 120 s). A Batch that is opened
 * probes its rollouts and wakes the stalled ones, so the farm opens every batch it lists as soon as it is up:
 * running batches carry on by themselves, without waiting for a client to ask.
 */
export async function wakeBatches(url: URL, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const res = await fetch(new URL("/v1/batches", url), { headers });
  if (!res.ok) throw new Error(`GET /v1/batches answered ${res.status}: ${await res.text()}`);
  const { batches } = (await res.json()) as { batches: { id: string }[] };
  await Promise.all(
    batches.map(async ({ id }) => {
      const opened = await fetch(new URL(`/v1/batches/${encodeURIComponent(id)}`, url), { headers });
      await opened.body?.cancel();
    }),
  );
}
