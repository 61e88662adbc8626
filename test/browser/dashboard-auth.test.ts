/** The dashboard against a farm with FARM_ADMIN_TOKEN set, as deployed: nothing without the token, all with it. */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEnv } from "../../cli/build/bundle-env.ts";
import { FarmClient } from "../../cli/farm/client.ts";
import { freePort } from "../../cli/farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "../../cli/farm/local-farm.ts";
import { ROOT } from "../../cli/paths.ts";

const TOKEN = "dashboard-test-admin-token";
const ARTIFACTS = join(ROOT, "test-artifacts/dashboard");

let farm: LocalFarm;
let persistDir: string;
let browser: Browser;
let url: string;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  persistDir = await mkdtemp(join(tmpdir(), "worldfarm-dashboard-auth-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir, vars: { FARM_ADMIN_TOKEN: TOKEN } });
  url = farm.url.toString().replace(/\/$/, "");
  await new FarmClient(url, TOKEN).upload(await buildEnv(join(ROOT, "envs/tracker")));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await farm?.dispose();
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

describe("the dashboard on a farm with an admin token", { timeout: 60_000 }, () => {
  it("says the token is needed, then works once it is entered, and remembers it", async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.locator("#error", { hasText: "unauthorized" }).waitFor();
    expect(await page.locator('[data-testid="env-list"]').count()).toBe(0);
    await page.locator("#token").fill(TOKEN);
    // Leaving the field commits it, as a person would.
    await page.locator("#token").press("Tab");
    await page.locator('[data-testid="env-list"] tr[data-env="tracker"]').waitFor();
    expect(await page.locator("#error").isHidden()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "10-admin-token.png"), fullPage: true });
    await page.reload();
    await page.locator('[data-testid="env-list"] tr[data-env="tracker"]').waitFor();
    await page.close();
  });
});
