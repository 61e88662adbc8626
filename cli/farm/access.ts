import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname, networkInterfaces } from "node:os";
import { join, resolve } from "node:path";
import { isLoopbackHost } from "../../workers/shared/loopback.ts";
import { ROOT } from "../paths.ts";

/** Where `worldfarm start` keeps Durable Object state, and its admin token, unless --state says otherwise. */
export const DEFAULT_STATE_DIR = resolve(process.env.WORLDFARM_STATE || join(ROOT, ".wrangler/state"));
const TOKEN_FILE = "admin-token";

export const newAdminToken = () => randomBytes(24).toString("base64url");

/**
 * The state folder's admin token: generated the first time a farm runs on it, then kept there (readable by its
 * owner only), so the dashboard's stored token and a trainer's configuration outlive restarts.
 */
export async function stateAdminToken(stateDir: string): Promise<string> {
  const path = join(stateDir, TOKEN_FILE);
  const kept = (await readFile(path, "utf8").catch(() => "")).trim();
  if (kept) return kept;
  await mkdir(stateDir, { recursive: true });
  try {
    await writeFile(path, `${newAdminToken()}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another farm starting on the same folder wrote it first: theirs is the token.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return (await readFile(path, "utf8")).trim();
}

function keptToken(stateDir: string): string | undefined {
  try {
    return readFileSync(join(stateDir, TOKEN_FILE), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The admin token a CLI command sends: --token, else $FARM_ADMIN_TOKEN, else, for a farm on this machine's
 * loopback, the one `worldfarm start` keeps in the default state folder ($WORLDFARM_STATE, else .wrangler/state),
 * so `npm start` then any command just works.
 */
export function adminTokenFor(url: string, explicit?: string): string | undefined {
  if (explicit) return explicit;
  if (process.env.FARM_ADMIN_TOKEN) return process.env.FARM_ADMIN_TOKEN;
  return isLoopbackHost(new URL(url).hostname) ? keptToken(DEFAULT_STATE_DIR) : undefined;
}

/**
 * The host names the farm answers to (FARM_ALLOWED_HOSTS): loopback names on a loopback address, so a page that
 * rebinds its own name to 127.0.0.1 reaches nothing; bound wider, also this machine's name and addresses.
 */
export function allowedHosts(bind: string): string {
  if (isLoopbackHost(bind)) return "loopback";
  const bracket = (a: string) => (a.includes(":") ? `[${a}]` : a);
  const addresses = Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((i) => bracket(i.address.replace(/%.*$/, ""))),
  );
  return ["loopback", bracket(bind), hostname(), ...addresses].join(",").toLowerCase();
}
