import type { BuiltBundle } from "../build/bundle-env.ts";
import { examplePolicy } from "../fake-policy/example-policy.ts";
import type { FakePolicy } from "../fake-policy/server.ts";

/**
 * `start`'s fake vLLM, on the port after the farm's; when something else holds that port it takes a free one
 * (`wantedPort` says which it wanted) rather than stopping the farm it is only a companion to.
 */
export async function fakePolicyNextTo(
  bundles: BuiltBundle[],
  farmPort: number,
): Promise<FakePolicy & { wantedPort?: number }> {
  const wantedPort = farmPort + 1;
  try {
    if (wantedPort > 65535) throw Object.assign(new Error("no port after 65535"), { code: "EADDRINUSE" });
    return await examplePolicy(bundles, { noise: 0.1, port: wantedPort });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EADDRINUSE" && code !== "EACCES") throw err;
    return Object.assign(await examplePolicy(bundles, { noise: 0.1 }), { wantedPort });
  }
}
