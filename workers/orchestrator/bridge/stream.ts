import { z } from "zod";
import { GROUP_SCHEMA, type Group, type StreamLine } from "../../shared/group.ts";
import { rpc } from "../../http/rpc.ts";
import { FarmError } from "../../shared/errors.ts";
import { groupDocument } from "./group-document.ts";

export const StreamQuery = z.object({
  /** The first log position to send: 0 for all, `seq + 1` of the last group received to resume. */
  cursor: z.coerce.number().int().min(0).default(0),
  format: z.enum(["ndjson", "sse"]).optional(),
  /** How long the stream stays quiet before it sends a heartbeat line. */
  heartbeatMs: z.coerce.number().int().min(100).max(60_000).default(15_000),
});
export type StreamQuery = z.infer<typeof StreamQuery>;

/** Groups assembled per page: enough to keep the pipe full, few enough that the first arrives at once. */
const PAGE = 8;
const encoder = new TextEncoder();

function frame(format: "ndjson" | "sse", line: StreamLine): Uint8Array {
  const json = JSON.stringify(line);
  if (format === "ndjson") return encoder.encode(`${json}\n`);
  const id = line.type === "group" ? `id: ${(line as Group).seq}\n` : "";
  return encoder.encode(`${id}event: ${line.type}\ndata: ${json}\n\n`);
}

/**
 * A batch's finished groups from a cursor on, held open while the batch runs: each pull waits in the Batch
 * object for the next group (or a heartbeat's worth of time), so a slow reader never makes the farm buffer.
 * Delivery is at least once: a reader that reconnects with its last `seq + 1` misses nothing.
 */
export function groupStream(env: Env, batchId: string, query: StreamQuery & { format: "ndjson" | "sse" }): Response {
  const batch = env.BATCH.getByName(batchId);
  let cursor = query.cursor;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // null, or no batch at all where one was when the stream began: deleted while the reader waited.
        const page = await rpc(batch.waitLog(cursor, PAGE, query.heartbeatMs)).catch((err: unknown) => {
          if (err instanceof FarmError && err.code === "batch_not_found") return null;
          throw err;
        });
        if (!page) {
          controller.enqueue(frame(query.format, { type: "end", cursor, state: "deleted" }));
          controller.close();
          return;
        }
        if (page.entries.length) {
          const groups = await Promise.all(page.entries.map((entry) => groupDocument(env, page, entry)));
          for (const group of groups) controller.enqueue(frame(query.format, group));
          cursor = groups.at(-1)!.seq + 1;
        } else if (page.ended) {
          controller.enqueue(
            frame(query.format, { type: "end", cursor, state: page.state === "cancelled" ? "cancelled" : "done" }),
          );
          controller.close();
        } else {
          controller.enqueue(frame(query.format, { type: "heartbeat", cursor, state: page.state }));
        }
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: {
      "content-type": query.format === "sse" ? "text/event-stream" : "application/x-ndjson",
      "cache-control": "no-store",
      "x-worldfarm-schema": GROUP_SCHEMA,
    },
  });
}
