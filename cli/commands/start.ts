import { join } from "node:path";
import { buildEnv } from "../build/bundle-env.ts";
import { examplePolicy } from "../fake-policy/example-policy.ts";
import { FarmClient } from "../farm/client.ts";
import { startLocalFarm } from "../farm/local-farm.ts";
import { watchFarm } from "../farm/watchdog.ts";
import { ROOT } from "../paths.ts";
import type { Command } from "./command.ts";
import { envDirs } from "./env-dirs.ts";

export const start: Command = {
  summary: "run the farm locally (workerd via Miniflare) with the example environments uploaded",
  usage: "worldfarm start [--port N] [--host H] [--static]\n\nPORT overrides the default port 8787; a fake vLLM-like policy server listens on the next port. State persists under .wrangler/state.",
  options: { port: { type: "string" }, host: { type: "string" }, static: { type: "boolean" } },
  async run(values) {
    const port = Number(values.port ?? process.env.PORT ?? 8787);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be a TCP port, not "${values.port ?? process.env.PORT}"`);
    const farm = await startLocalFarm({
      port, host: (values.host as string | undefined) ?? "127.0.0.1", persistDir: join(ROOT, ".wrangler/state"),
      ...(values.static ? { vars: { RUNTIME_MODE: "static" } } : {}),
    });
    const url = farm.url.toString().replace(/\/$/, "");
    const client = new FarmClient(url);
    const names: string[] = [];
    const bundles = [];
    for (const dir of await envDirs([])) {
      const bundle = await buildEnv(dir);
      bundles.push(bundle);
      names.push((await client.upload(bundle)).name);
    }
    // A stand-in for vLLM next to the farm, so batches and the trainer-bridge examples run without a GPU.
    const policy = await examplePolicy(bundles, { noise: 0.1, port: port + 1 });
    const first = names[0] ?? "shop";
    console.log(`
worldfarm is running at ${url}  (environments: ${names.join(", ")})

  curl -s ${url}/v1/envs
  curl -s -X POST ${url}/v1/envs/${first}/instances          # -> { instanceId, mcpUrl, token }
  curl -s -X POST ${url}/v1/instances/<instanceId>/call -H "authorization: Bearer <token>" \\
       -H content-type:application/json -d '{"tool":"list_categories","args":{}}'

MCP: point any MCP client at ${url}/v1/envs/${first}/mcp (a fresh world per session),
     or at an instance's mcpUrl with its token as the bearer token.
Policy: a fake vLLM playing the example tasks (10% noise) at ${policy.url}/v1   (policy {"kind":"openai","baseUrl":"${policy.url}/v1","model":"fake-policy"})
Demo: in another terminal, npx worldfarm demo   (a rollout batch against a local fake vLLM; prints the rewards)
API: ${url}/openapi.json     Ctrl-C stops the farm.
`);
    const watch = watchFarm(url, async () => {
      console.error("worldfarm: the runtime stopped answering; restarting it (durable state is kept)");
      await farm.restart();
    });
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
    });
    watch.stop();
    await policy.close();
    await farm.dispose();
    return 0;
  },
};
