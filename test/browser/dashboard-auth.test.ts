/**
 * The dashboard against a farm with the admin token every local farm gets by default: nothing without the token,
 * all with it, whether typed in or handed over in the URL `npm start` prints; and pages of other origins can drive
 * nothing, even holding the token.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InstanceList } from "../../workers/shared/instance.ts";
import { buildEnv } from "../../cli/build/bundle-env.ts";
import { Farm } from "../../trainer-bridge/ts/index.ts";
import { freePort } from "../../cli/farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "../../cli/farm/local-farm.ts";
import { ROOT } from "../../cli/paths.ts";

const ARTIFACTS = join(ROOT, "test-artifacts/dashboard");

let farm: LocalFarm;
let client: Farm;
let persistDir: string;
let browser: Browser;
let url: string;
let otherSite: Server;
let otherOrigin: string;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  persistDir = await mkdtemp(join(tmpdir(), "worldfarm-dashboard-auth-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir });
  url = farm.url.toString().replace(/\/$/, "");
  client = new Farm(url, { token: farm.token });
  await client.uploadEnv(await buildEnv(join(ROOT, "envs/tracker")));
  // Another origin on the same machine: what a page the user happens to open could be.
  otherSite = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title>"),
  );
  await new Promise<void>((r) => otherSite.listen(0, "127.0.0.1", r));
  otherOrigin = `http://127.0.0.1:${(otherSite.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await farm?.dispose();
  await new Promise((r) => otherSite?.close(r));
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

describe("the dashboard on a farm with its default local admin token", { timeout: 60_000 }, () => {
  it("is generated once for the state folder and kept there", async () => {
    expect(farm.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await readFile(join(persistDir, "admin-token"), "utf8")).trim()).toBe(farm.token);
  });

  it("says the token is needed, then works once it is entered, and remembers it", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.locator("#error", { hasText: "unauthorized" }).waitFor();
    expect(await page.locator('[data-testid="env-list"]').count()).toBe(0);
    await page.locator("#token").fill(farm.token);
    // Leaving the field commits it, as a person would.
    await page.locator("#token").press("Tab");
    await page.locator('[data-testid="env-list"] tr[data-env="tracker"]').waitFor();
    expect(await page.locator("#error").isHidden()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "10-admin-token.png"), fullPage: true });
    await page.reload();
    await page.locator('[data-testid="env-list"] tr[data-env="tracker"]').waitFor();
    await context.close();
  });

  it("takes the token from the URL npm start prints, and drops it from the address bar", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/#token=${farm.token}`);
    await page.locator('[data-testid="env-list"] tr[data-env="tracker"]').waitFor();
    expect(page.url()).toBe(`${url}/#/envs`);
    expect(await page.evaluate(() => localStorage.getItem("worldfarm.adminToken"))).toBe(farm.token);
    // Same-origin writes work: a POST from the page carries the farm's own Origin.
    const created = await page.evaluate(async (token) => {
      const res = await fetch("/v1/envs/tracker/instances", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
      return res.status;
    }, farm.token);
    expect(created).toBe(201);
    await context.close();
  });

  it("lets no page of another origin act on the farm, with or without the token", async () => {
    const before = (await client.request<InstanceList>("GET", "/v1/instances?env=tracker")).total;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${otherOrigin}/`);
    const outcomes = await page.evaluate(
      async ({ farmUrl, token }) => {
        const attempt = async (init: RequestInit) => {
          try {
            const res = await fetch(`${farmUrl}/v1/envs/tracker/instances`, { method: "POST", ...init });
            return res.type === "opaque" ? "opaque" : String(res.status);
          } catch {
            return "blocked";
          }
        };
        return {
          // A simple request: no preflight, so it reaches the farm; the Origin check refuses it.
          simple: await attempt({ mode: "no-cors", headers: { "content-type": "text/plain" }, body: "{}" }),
          // With the token, the preflight itself is refused, so the POST is never sent.
          withToken: await attempt({
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: "{}",
          }),
          read: await fetch(`${farmUrl}/v1/envs`, { headers: { authorization: `Bearer ${token}` } }).then(
            (r) => String(r.status),
            () => "blocked",
          ),
        };
      },
      { farmUrl: url, token: farm.token },
    );
    expect(outcomes).toEqual({ simple: "opaque", withToken: "blocked", read: "blocked" });
    expect((await client.request<InstanceList>("GET", "/v1/instances?env=tracker")).total).toBe(before);
    await context.close();
  });
});
