import { GROUP_SCHEMA, StreamLine } from "../../workers/shared/group.ts";
import { ProtocolError } from "./errors.ts";

/** One line of a group stream: checked against the wire schema, and the text the farm sent. */
export interface StreamRecord {
  line: StreamLine;
  text: string;
}

/** A line the stream cut off before its newline: the connection broke, so the caller reconnects. */
export class Cut extends Error {}

/** NDJSON lines as they arrive, checked against the wire schema; a last line without its newline is a cut. */
export async function* ndjson(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamRecord> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        if (buffered) throw new Cut("the connection was cut in the middle of a line");
        return;
      }
      buffered += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        yield { line: parseLine(text), text };
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parseLine(text: string): StreamLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError(`the stream sent a line that is not JSON: ${text.slice(0, 200)}`);
  }
  const kind = (json as { type?: unknown; schema?: unknown } | null)?.type;
  if (kind === "group" && (json as { schema?: unknown }).schema !== GROUP_SCHEMA) {
    throw new ProtocolError(
      `the stream sent schema ${JSON.stringify((json as { schema?: unknown }).schema)}; this client reads ${GROUP_SCHEMA}`,
    );
  }
  const parsed = StreamLine.safeParse(json);
  if (!parsed.success)
    throw new ProtocolError(
      `the stream sent a line that is not a ${GROUP_SCHEMA} stream line: ${parsed.error.message.slice(0, 300)}`,
    );
  return parsed.data;
}
