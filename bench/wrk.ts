import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

export interface WrkOptions {
  /** Sent as JSON in every request. */
  body: unknown;
  headers?: Record<string, string>;
  threads: number;
  connections: number;
  seconds: number;
  /** Where the request script is written. */
  dir: string;
}

export interface WrkResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and socket errors (timeouts among them). */
  errors: number;
}

function wrkMs(value: string): number {
  const m = value.match(/([\d.]+)(us|ms|s)/)!;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as const)[m[2] as "us" | "ms" | "s"];
}

/**
 * POSTs one JSON body to `url` for `seconds` with wrk. wrk runs as a child process while this one's event loop
 * keeps turning: a local farm's supervisor and the pipes that carry its workerds' output live in this process, and a
 * farm whose output nobody reads stops answering (a synchronous wrk once stalled creates after ~90 requests).
 */
export async function wrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const lua = join(options.dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  const headers = { "content-type": "application/json", ...options.headers };
  await writeFile(
    lua,
    [
      `wrk.method = "POST"`,
      `wrk.body = ${JSON.stringify(JSON.stringify(options.body))}`,
      ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
    ].join("\n") + "\n",
  );
  const { stdout: out } = await promisify(execFile)("wrk", [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--latency",
    "-s",
    lua,
    url,
  ]);
  const errorsLine = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    requests: Number(out.match(/(\d+) requests in/)![1]),
    rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)![1]),
    p50: wrkMs(out.match(/\n\s+50%\s+(\S+)/)![1]!),
    p99: wrkMs(out.match(/\n\s+99%\s+(\S+)/)![1]!),
    errors:
      Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0) +
      (errorsLine ? errorsLine.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}
