import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEnv, type BuiltBundle } from "../cli/build/bundle-env.ts";
import { examplePolicy } from "../cli/fake-policy/example-policy.ts";
import type { FakePolicy, FakePolicyOptions } from "../cli/fake-policy/server.ts";
import { Farm } from "./ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm } from "../cli/farm/local-farm.ts";
import { ROOT } from "../cli/paths.ts";

export interface BridgeFarm {
  /** The farm's root, without a trailing slash. */
  url: string;
  /** The farm's admin token, which the trainer clients send. */
  token: string;
  /** The fake vLLM's base URL, up to and including /v1. */
  policyUrl: string;
  bundles: BuiltBundle[];
  /** The fake vLLM itself: what it served, when started with `record`. */
  policy: FakePolicy;
  close(): Promise<void>;
}

/**
 * What `npm start` runs, throwaway: a farm in real workerd with shop and tracker uploaded, and the fake vLLM that
 * plays their reference solutions with `noise` of its replies garbled or failed. The trainer-bridge clients' tests
 * and the bridge benchmark run against it.
 */
export async function startBridgeFarm({
  noise = 0.1,
  tokenizer,
  record,
}: { noise?: number } & Pick<FakePolicyOptions, "tokenizer" | "record"> = {}): Promise<BridgeFarm> {
  const persistDir = await mkdtemp(join(tmpdir(), "worldfarm-bridge-"));
  const farm = await startLocalFarm({ port: await freePort(), persistDir });
  const url = farm.url.toString().replace(/\/$/, "");
  try {
    const client = new Farm(url, { token: farm.token });
    const bundles = await Promise.all(["envs/shop", "envs/tracker"].map((dir) => buildEnv(join(ROOT, dir))));
    for (const bundle of bundles) await client.uploadEnv(bundle);
    const policy = await examplePolicy(bundles, {
      noise,
      ...(tokenizer ? { tokenizer } : {}),
      ...(record ? { record } : {}),
    });
    return {
      url,
      token: farm.token,
      policyUrl: `${policy.url}/v1`,
      bundles,
      policy,
      async close() {
        await policy.close();
        await farm.dispose();
        await rm(persistDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await farm.dispose();
    await rm(persistDir, { recursive: true, force: true });
    throw err;
  }
}
