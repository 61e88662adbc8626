import type { BuiltBundle } from "../build/bundle-env.ts";
import { DEFAULT_FARM_URL } from "./farm-options.ts";

export interface BannerFacts {
  /** The farm's root, without a trailing slash. */
  url: string;
  bundles: BuiltBundle[];
  /** The fake vLLM's root, and the port it wanted when that one was taken. */
  policy: { url: string; wantedPort?: number };
  dev: boolean;
  /** The admin token, what to say about it, and whether the CLI finds it without being told. */
  token: { value: string; note: string; cliFindsIt: boolean };
}

/**
 * The flags that point a CLI command at this farm, with its token. Each is left out only where the command would
 * find it anyway: a farm elsewhere than the default, or a shell whose $WORLDFARM_URL names another, needs --url;
 * a token the CLI does not read from the default state folder or $FARM_ADMIN_TOKEN needs --token.
 */
export function farmFlags(url: string, token: BannerFacts["token"], env: NodeJS.ProcessEnv = process.env): string {
  const reaches = (env.WORLDFARM_URL ?? DEFAULT_FARM_URL).replace(/\/$/, "") === url;
  return `${reaches ? "" : ` --url ${url}`}${token.cliFindsIt ? "" : ` --token ${token.value}`}`;
}

/** A tool to show the curl call with: one that needs no arguments, so `{}` is a valid call as printed. */
function exampleTool(bundle: BuiltBundle | undefined): string {
  const tools = bundle?.manifest.tools ?? [];
  const bare = tools.find((t) => !(t.inputSchema.required as string[] | undefined)?.length);
  return (bare ?? tools[0])?.name ?? "<tool>";
}

/** What `worldfarm start` and `dev` print once the farm answers: every command in it reaches this farm as printed. */
export function startBanner({ url, bundles, policy, dev, token }: BannerFacts): string {
  const names = bundles.map((b) => b.manifest.name);
  const first = names[0] ?? "shop";
  const flags = farmFlags(url, token);
  const admin = `-H "authorization: Bearer ${token.value}"`;
  const policyBase = `${policy.url}/v1`;
  const moved = policy.wantedPort !== undefined ? `; port ${policy.wantedPort} was taken` : "";
  return `
worldfarm is running at ${url}  (environments: ${names.join(", ")})
${token.note}
Dashboard: ${url}/#token=${token.value}
  curl -s ${url}/v1/envs ${admin}
  curl -s -X POST ${url}/v1/envs/${first}/instances ${admin}   # -> { instanceId, mcpUrl, callUrl, token }
  curl -s -X POST <callUrl> -H "authorization: Bearer <token>" \\
       -H content-type:application/json -d '{"tool":"${exampleTool(bundles[0])}","args":{}}'

MCP: point any MCP client at ${url}/v1/envs/${first}/mcp with the admin token (a fresh world per session),
     or at an instance's mcpUrl with its token as the bearer token (the agent's view: that instance's tools only).
Policy: a fake vLLM playing the example tasks (10% noise) at ${policyBase}${moved}
        (policy {"kind":"openai","baseUrl":"${policyBase}","model":"fake-policy"})
CLI: npx worldfarm batch run --env ${first} --policy oracle --group 8 --watch${flags}
     npx worldfarm batch run --env ${first} --policy openai --base-url ${policyBase} --model fake-policy --watch${flags}
Demo: npx worldfarm demo${flags}   (a rollout batch against a local fake vLLM; prints the rewards)
API: ${url}/openapi.json     ${dev ? "Watching the environment folders: a change rebuilds and uploads.  " : ""}Ctrl-C stops the farm.
`;
}
