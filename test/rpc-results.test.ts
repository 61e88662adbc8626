import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EnvInstance } from "../workers/env-host/instance.ts";
import { plainNamespace, plainResults, received } from "../workers/shared/received.ts";
import { createInstance, upload } from "./helpers.ts";

const DISPOSE = (Symbol as unknown as { dispose: symbol }).dispose;
const ownDisposer = (value: object) => Object.getOwnPropertySymbols(value).includes(DISPOSE);

/**
 * workerd gives each object an RPC call returns a disposer; an object returned again from another RPC method with
 * it still attached leaves its next caller holding the first call open, and workerd warns when that result is
 * collected. Whether it is collected during a test run is chance, so these tests look at the cause instead.
 */
describe("results handed on over RPC", () => {
  it("come back from a world's facets as plain values", async () => {
    await upload("lab");
    const inst = await createInstance("lab");
    await runInDurableObject(env.ENV_INSTANCE.getByName(inst.instanceId), async (instance: EnvInstance) => {
      const results: object[] = [
        await instance.callTool("add_note", { title: "groceries", body: "milk, eggs" }),
        await instance.tables(),
        await instance.rows("notes", 0, 10),
        await instance.verify("add-groceries", null),
        // The verifier reads the initial world through the instance: its reads are handed on too.
        await instance.verify("count-notes", "You have 5 notes."),
      ];
      for (const result of results) expect(ownDisposer(result)).toBe(false);
      expect(results[3]).toMatchObject({ complete: true });
      expect(results[4]).toMatchObject({ complete: true });
    });
  });

  it("received() releases the call and keeps the value", async () => {
    await upload("lab");
    const inst = await createInstance("lab");
    const stub = env.ENV_INSTANCE.getByName(inst.instanceId);
    const tables = await stub.tables();
    expect(ownDisposer(tables)).toBe(true);
    const plain = await received(stub.tables());
    expect(ownDisposer(plain)).toBe(false);
    expect(plain).toEqual(tables);
    expect(await received(Promise.resolve(7))).toBe(7);
    expect(await received(Promise.resolve(null))).toBe(null);
  });

  it("plainResults() and plainNamespace() receive every call's result and leave the rest of a stub alone", async () => {
    await upload("lab");
    const inst = await createInstance("lab");
    const stub = plainNamespace(env.ENV_INSTANCE).getByName(inst.instanceId);
    const tables = await stub.tables();
    expect(ownDisposer(tables)).toBe(false);
    expect(tables.map((t) => t.name)).toContain("notes");
    const outcome = await plainResults(env.ENV_INSTANCE.getByName(inst.instanceId)).callTool("add_note", {
      title: "x",
    });
    expect(ownDisposer(outcome)).toBe(false);
    expect(outcome).toMatchObject({ ok: true });
    // Errors come through as they were thrown; the namespace's other methods still work.
    await expect(stub.rows("no_such_table", 0, 1)).rejects.toThrow(/no_such_table|table/);
    expect(plainNamespace(env.ENV_INSTANCE).idFromName("a").toString()).toBe(
      env.ENV_INSTANCE.idFromName("a").toString(),
    );
  });
});
