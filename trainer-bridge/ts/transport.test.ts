import { describe, expect, it } from "vitest";
import { FarmError as WorkerFarmError } from "../../workers/shared/errors.ts";
import { Farm, FarmError, ProtocolError, TransportError } from "./index.ts";

// What the client does with what comes over the wire, driven by scripted answers (no farm): the bridge tests beside
// it drive the same code against a real one.

const group = (seq: number, id = `b_x.g${seq}`) =>
  JSON.stringify({
    schema: "worldfarm.group.v1",
    type: "group",
    seq,
    group_id: id,
    batch_id: "b_x",
    task: { env: "shop", bundle_id: "0".repeat(64), task_id: "t", prompt: "p" },
    policy: { kind: "oracle", model: null, policy_version: null },
    trajectories: [],
    stats: { n: 0, size: 0, mean: 0, std: 0, all_equal: true },
    finished_at: "2026-01-01T00:00:00Z",
  });
const end = JSON.stringify({ type: "end", cursor: 2, state: "done" });

/** A fetch that answers each request with the next scripted body (status 200 unless given), recording the URLs. */
function scripted(answers: (string | { status: number; body: string; type?: string })[]) {
  const urls: string[] = [];
  const fetcher: typeof fetch = async (input) => {
    urls.push(String(input));
    const next = answers.shift();
    if (next === undefined) throw new TypeError("fetch failed");
    const { status, body, type } =
      typeof next === "string" ? { status: 200, body: next, type: "application/x-ndjson" } : next;
    return new Response(status === 204 ? null : body, {
      status,
      headers: { "content-type": type ?? "application/json" },
    });
  };
  return { fetcher, urls };
}

const farmWith = (fetcher: typeof fetch, retries = 3) =>
  new Farm("http://farm.test", { fetch: fetcher, retries, backoffMs: 0 });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("the group stream", () => {
  it("treats an unterminated last line as a cut: it reconnects after the last whole group, and yields the farm's text", async () => {
    const { fetcher, urls } = scripted([`${group(0)}\n${group(1).slice(0, 40)}`, `${group(1)}\n${end}\n`]);
    const records = await collect(farmWith(fetcher).records("b_x"));
    expect(records.map((r) => (r.line.type === "group" ? r.line.seq : r.line.type))).toEqual([0, 1, "end"]);
    expect(records[1]!.text).toBe(group(1));
    expect(urls.map((u) => new URL(u).searchParams.get("cursor"))).toEqual(["0", "1"]);
  });

  it("yields each group id once though a reconnect resends it, and drops groups before the cursor", async () => {
    const { fetcher } = scripted([
      `${group(0)}\n${group(1)}\n`,
      `${group(0)}\n${group(1)}\n${group(5, "b_x.g1")}\n${group(2)}\n${end}\n`,
    ]);
    const groups = await collect(farmWith(fetcher).groups("b_x"));
    expect(groups.map((g) => g.group_id)).toEqual(["b_x.g0", "b_x.g1", "b_x.g2"]);
  });

  it("reconnects after a 503 and gives up with TransportError once the breaks in a row pass `retries`", async () => {
    const recovered = scripted([{ status: 503, body: "busy" }, `${end}\n`]);
    expect((await collect(farmWith(recovered.fetcher).lines("b_x"))).map((l) => l.type)).toEqual(["end"]);
    const down = scripted(
      Array.from({ length: 5 }, () => ({ status: 502, body: "<html>bad gateway</html>", type: "text/html" })),
    );
    const err = await collect(farmWith(down.fetcher, 2).lines("b_x")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: "farm_unreachable", attempts: 3 });
  });

  it.each([
    ["a line that is not JSON", "not json\n"],
    ["a group of another schema", `${group(0).replace("worldfarm.group.v1", "worldfarm.group.v9")}\n`],
    ["a line of an unknown type", `{"type":"surprise"}\n`],
    ["a blank line", "\n"],
    ["a JSON null", "null\n"],
  ])("throws ProtocolError, without retrying, for %s", async (_what, body) => {
    const { fetcher, urls } = scripted([body, body]);
    const err = await collect(farmWith(fetcher).lines("b_x")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: "protocol_error" });
    expect(urls).toHaveLength(1);
  });

  it("throws the farm's 4xx as FarmError without retrying", async () => {
    const { fetcher, urls } = scripted([
      { status: 404, body: JSON.stringify({ error: { code: "batch_not_found", message: "no batch b_x" } }) },
    ]);
    const err = await collect(farmWith(fetcher).groups("b_x")).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "batch_not_found", status: 404 });
    expect(urls).toHaveLength(1);
  });
});

describe("requests", () => {
  it("throws the Worker's own FarmError (code, status, message), its message naming the call", async () => {
    const { fetcher } = scripted([
      { status: 400, body: JSON.stringify({ error: { code: "invalid_request", message: "groupSize: too big" } }) },
    ]);
    const err = await farmWith(fetcher)
      .createBatch({ tasks: [{ env: "shop", taskId: "t" }], groupSize: 999, policy: { kind: "oracle" } })
      .catch((e: unknown) => e);
    expect(FarmError).toBe(WorkerFarmError);
    expect(err).toBeInstanceOf(WorkerFarmError);
    expect(err).toMatchObject({
      code: "invalid_request",
      status: 400,
      message: "POST /v1/batches -> 400 invalid_request: groupSize: too big",
    });
    expect((err as WorkerFarmError).toJSON()).toEqual({
      error: { code: "invalid_request", message: (err as Error).message },
    });
  });

  it.each([
    ["an HTML page from a proxy", "<html>denied</html>", "http_403: <html>denied</html>"],
    ["an empty body", "", "http_403: (empty body)"],
    [
      "an error object of the wrong shape",
      JSON.stringify({ error: { code: 7, message: ["x"] } }),
      'http_403: {"error":{"code":7,"message":["x"]}}',
    ],
    ["JSON null", "null", "http_403: null"],
  ])("keeps %s as http_<status> with the raw text", async (_what, body, said) => {
    const { fetcher } = scripted([{ status: 403, body, type: "text/html" }]);
    const err = await farmWith(fetcher)
      .envs()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FarmError);
    expect((err as Error).message).toBe(`GET /v1/envs -> 403 ${said}`);
  });

  it("says which farm could not be reached, with code farm_unreachable", async () => {
    const err = await farmWith(async () =>
      Promise.reject(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } })),
    )
      .batches()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({
      code: "farm_unreachable",
      message: "cannot reach the farm at http://farm.test (ECONNREFUSED)",
    });
  });

  it("reads an empty success as undefined and a success that is not JSON as ProtocolError", async () => {
    const { fetcher } = scripted([
      { status: 204, body: "" },
      { status: 200, body: "<html>login</html>", type: "text/html" },
    ]);
    const farm = farmWith(fetcher);
    await expect(farm.deleteInstance("i1")).resolves.toBeUndefined();
    await expect(farm.envs()).rejects.toBeInstanceOf(ProtocolError);
  });

  it("sends an instance token instead of the admin token, and escapes ids in paths", async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const farm = new Farm("http://farm.test/", {
      token: "admin",
      fetch: async (input, init) => {
        seen.push({ url: String(input), auth: new Headers(init?.headers).get("authorization") });
        return Response.json({ ok: true, result: 1 });
      },
    });
    await farm.callTool("../v1/envs", "t", {}, "instance-token");
    await farm.batch("a/b?c");
    expect(seen).toEqual([
      { url: "http://farm.test/v1/instances/..%2Fv1%2Fenvs/call", auth: "Bearer instance-token" },
      { url: "http://farm.test/v1/batches/a%2Fb%3Fc", auth: "Bearer admin" },
    ]);
    expect(() => farm.batch("")).toThrow(TypeError);
  });
});
