/**
 * The dashboard in real headless Chromium against a real local farm (workerd): what a researcher sees and clicks.
 * Screenshots land in test-artifacts/dashboard/.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BatchStatus } from "../../workers/shared/batch.ts";
import type { BundleManifest } from "../../workers/shared/manifest.ts";
import type { TableDiff } from "../../workers/shared/instance.ts";
import { buildEnv } from "../../cli/build/bundle-env.ts";
import { Farm } from "../../trainer-bridge/ts/index.ts";
import { freePort } from "../../cli/farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "../../cli/farm/local-farm.ts";
import { ROOT } from "../../cli/paths.ts";
import { settled, startBatch } from "../../cli/testing/batches.ts";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "test-artifacts/dashboard");

let farm: LocalFarm;
let client: Farm;
let persistDir: string;
let browser: Browser;
let page: Page;
let shop: BundleManifest;
let url: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)`);
  await mkdir(ARTIFACTS, { recursive: true });
  persistDir = await mkdtemp(join(tmpdir(), "worldfarm-dashboard-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir });
  url = farm.url.toString().replace(/\/$/, "");
  client = new Farm(url, { token: farm.token });
  const bundle = await buildEnv(join(ROOT, "envs/shop"));
  shop = bundle.manifest;
  await client.uploadEnv(bundle);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (err) => pageErrors.push(err.message));
  // The URL `npm start` prints: the page keeps the farm's admin token for every visit after.
  await page.goto(`${url}/#token=${farm.token}`);
}, 120_000);

// A script error in the page fails the test that caused it.
const pageErrors: string[] = [];
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await farm?.dispose();
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe("the dashboard", { timeout: 120_000 }, () => {
  it("shows its shell with a loading state before the first fetch returns, not a blank page", async () => {
    const held = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await held.route("**/v1/envs", async (route) => {
      await gate;
      await route.continue();
    });
    try {
      await held.goto(`${url}/#token=${farm.token}`);
      await held.locator("#view .loading", { hasText: "Loading" }).waitFor();
      expect(await held.locator("header nav a").allTextContents()).toEqual([
        "Environments",
        "Instances",
        "Batches",
        "Try it",
      ]);
      await held.screenshot({ path: join(ARTIFACTS, "00-loading.png") });
      release();
      await held.locator('[data-testid="env-list"] tr[data-env="shop"]').waitFor();
      expect(await held.locator("#view .loading").count()).toBe(0);
    } finally {
      release();
      await held.close();
    }
  });

  it("loads and lists the environments, with each tool's schema and the tasks", async () => {
    await page.goto(`${url}/`);
    const row = page.locator('[data-testid="env-list"] tr[data-env="shop"]');
    await row.waitFor();
    expect(await row.locator("td").nth(2).textContent()).toBe(String(shop.tools.length));
    expect(await row.locator("td").nth(3).textContent()).toBe(String(shop.tasks.length));
    await shot("01-environments");

    await row.locator("a").click();
    await page.locator('[data-testid="tools"] details[data-tool]').first().waitFor();
    expect(await page.locator('[data-testid="tools"] details[data-tool]').count()).toBe(shop.tools.length);
    expect(await page.locator('[data-testid="tasks"] tr[data-task]').count()).toBe(shop.tasks.length);
    const addToCart = page.locator('details[data-tool="add_to_cart"]');
    await addToCart.locator("summary").first().click();
    const schema = shop.tools.find((t) => t.name === "add_to_cart")!.inputSchema as {
      properties: Record<string, unknown>;
    };
    for (const arg of Object.keys(schema.properties))
      await expect(addToCart.locator("td.mono", { hasText: arg }).first().isVisible()).resolves.toBe(true);
    await shot("02-environment-shop");
  });

  let batchId: string;

  it("runs a small oracle batch from its form and shows its progress reaching done", async () => {
    await page.goto(`${url}/#/batches`);
    const form = page.locator('[data-testid="batch-form"]');
    await form.locator('select[name="env"]').selectOption("shop");
    await form.locator('input[name="tasks"]').fill("update-phone-number, adjust-cart");
    await form.locator('select[name="policy"]').selectOption("oracle");
    await form.locator('input[name="groupSize"]').fill("2");
    await form.locator('input[name="policyVersion"]').fill("ui-run@1");
    await form.locator('button[type="submit"]').click();
    await page.waitForURL(/#\/batches\/b_[0-9a-f]{24}$/);
    batchId = page.url().split("/").at(-1)!;
    await page.locator('[data-testid="batch-progress"] [data-count="completed"]').waitFor();
    await shot("03-batch-started");

    await page.locator('[data-testid="batch-state"][data-state="done"]').waitFor({ timeout: 60_000 });
    const status = await client.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
    expect(status).toMatchObject({ state: "done", counts: { completed: 4, failed: 0 } });
    // The page shows what the API says, once the last poll has landed.
    await expect
      .poll(() => page.locator('[data-testid="batch-progress"] [data-count="completed"]').textContent(), {
        timeout: 10_000,
      })
      .toBe("4");
    expect(await page.locator('[data-testid="batch-progress"] [data-count="pending"]').textContent()).toBe("0");
    const all = page.locator('[data-testid="reward-by-env"] tr[data-env="all"] td');
    expect(await all.allTextContents()).toEqual([
      "all",
      "4",
      status.reward.mean.toFixed(3),
      status.reward.std.toFixed(3),
    ]);
    await expect
      .poll(() => page.locator('[data-testid="histogram"]').getAttribute("data-n"), { timeout: 10_000 })
      .toBe("4");
    const bars = await page
      .locator('[data-testid="histogram"] rect.bar')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("data-count"))));
    expect(bars.reduce((a, b) => a + b, 0)).toBe(4);
    expect(bars.at(-1)).toBe(4); // every oracle rollout earns reward 1, the top bin
    expect(await page.locator('[data-testid="rollouts"] tr[data-rollout]').count()).toBe(4);
    await shot("04-batch-done");
  });

  it("opens a trajectory: tool calls with arguments and results, format per step, the verifier, the database diff", async () => {
    const task = shop.tasks.find((t) => t.id === "update-phone-number")!;
    const link = page
      .locator('[data-testid="rollouts"] tr[data-rollout]', {
        has: page.locator("td", { hasText: "update-phone-number" }),
      })
      .first()
      .locator("a");
    const rolloutId = (await link.textContent())!;
    await link.click();
    await page.locator('[data-testid="verifier"][data-complete="true"]').waitFor();
    const calls = page.locator('[data-testid="tool-call"]');
    expect(await calls.count()).toBe(task.solution.length);
    const names = await calls.locator(".call-head .mono").allTextContents();
    expect(names).toEqual(task.solution.map((s) => s.tool));
    expect(await calls.first().locator("pre").first().textContent()).toBe(
      JSON.stringify(task.solution[0]!.args, null, 2),
    );
    expect(await page.locator('[data-testid="format"]').allTextContents()).toEqual(
      expect.arrayContaining(["format ok"]),
    );
    expect(await page.locator('[data-testid="reward"]').textContent()).toBe("1.000");

    const { tables } = await client.request<{ tables: TableDiff[] }>("GET", `/v1/rollouts/${rolloutId}/diff`);
    const changed = tables.filter((t) => t.inserted.length + t.deleted.length + t.updated.length > 0);
    expect(changed.length).toBeGreaterThan(0);
    const shown = await page
      .locator('[data-testid="diff"] .diff-table')
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-table")));
    expect(shown).toEqual(changed.map((t) => t.table));
    const updated = changed.flatMap((t) => t.updated);
    expect(updated.length).toBeGreaterThan(0);
    // The new phone number is in the after row, marked as changed.
    await expect(
      page.locator('[data-testid="diff"] tr.upd-after td.changed', { hasText: "(415) 555-0199" }).count(),
    ).resolves.toBe(1);
    await shot("05-trajectory");
  });

  it("charts reward across the successive batches of a run", async () => {
    const second = await startBatch(client, {
      tasks: { shop: ["update-phone-number"] },
      groupSize: 2,
      policy: { kind: "scripted", replies: [{ content: "No." }] },
      policyVersion: "ui-run@2",
    });
    await settled(client, second.batchId);
    await page.goto(`${url}/#/batches`);
    const curve = page.locator('[data-run="ui-run"] [data-testid="reward-curve"]');
    await curve.waitFor();
    expect(await curve.getAttribute("data-points")).toBe("2");
    const titles = await curve.locator("circle title").allTextContents();
    expect(titles).toEqual([expect.stringMatching(/^ui-run@1: 1\.000/), expect.stringMatching(/^ui-run@2: 0\.000/)]);
    expect(await page.locator(`[data-testid="batch-list"] tr[data-batch="${second.batchId}"]`).count()).toBe(1);
    await shot("06-runs");
  });

  it("creates an instance in Try it, calls a tool, shows the diff, and lists the instance", async () => {
    await page.goto(`${url}/#/try?env=shop`);
    await page.locator('[data-testid="try-create"]').click();
    const instance = page.locator('[data-testid="try-instance"]');
    await instance.waitFor();
    const instanceId = (await instance.getAttribute("data-instance"))!;
    await page.locator('[data-testid="try-tool"]').selectOption("update_profile");
    await page.locator('[data-testid="try-args"]').fill(JSON.stringify({ phone: "(415) 555-0100" }));
    await page.locator('[data-testid="try-call"]').click();
    const result = page.locator('[data-testid="try-result"]').first();
    await result.waitFor();
    expect(await result.locator(".badge").textContent()).toBe("ok");
    await page.locator('[data-testid="try-diff"]').click();
    await page.locator('[data-testid="diff"] td.changed', { hasText: "(415) 555-0100" }).waitFor();
    // With the diff open, the next call updates it.
    await page.locator('[data-testid="try-args"]').fill(JSON.stringify({ phone: "(415) 555-0111" }));
    await page.locator('[data-testid="try-call"]').click();
    await page.locator('[data-testid="diff"] td.changed', { hasText: "(415) 555-0111" }).waitFor();

    await page.locator('[data-testid="try-args"]').fill("{ not json");
    await page.locator('[data-testid="try-call"]').click();
    await page.locator("#error", { hasText: "not JSON" }).waitFor();
    await shot("07-try-it");

    await page.goto(`${url}/#/instances`);
    const row = page.locator(`[data-testid="instance-list"] tr[data-instance="${instanceId}"]`);
    await row.waitFor();
    expect(await row.locator("td").nth(4).textContent()).toBe("2");
    await shot("08-instances");
    await row.locator("button.danger").click();
    await row.waitFor({ state: "detached" });
  });

  it("names once, with its count, a failure many rollouts share: a policy URL nobody serves", async () => {
    const policyUrl = `http://127.0.0.1:${await freePort()}/v1`;
    const down = await client.createBatch({
      tasks: { shop: ["update-phone-number"] },
      groupSize: 3,
      policy: { kind: "openai", baseUrl: policyUrl, model: "m" },
    });
    await page.goto(`${url}/#/batches/${down.batchId}`);
    await page.locator('[data-testid="batch-state"][data-state="done"]').waitFor({ timeout: 60_000 });
    const problems = page.locator('[data-testid="problems"] tr', {
      hasText: `Nothing answers at ${policyUrl}/chat/completions`,
    });
    await problems.waitFor();
    expect(await problems.count()).toBe(1);
    expect(await problems.locator("td.num").textContent()).toBe("3");
    expect(await page.locator('[data-testid="problem-rollouts"] a').count()).toBe(3);
    await shot("09-problems");
  });

  it("says what went wrong when the API refuses", async () => {
    await page.goto(`${url}/#/batches/b_${"0".repeat(24)}`);
    await page.locator("#error", { hasText: "batch_not_found" }).waitFor();
    await shot("10-error");
  });

  it("deletes a batch from its page after a confirmation; the run's curve keeps it", async () => {
    await page.goto(`${url}/#/batches/${batchId}`);
    await page.locator('[data-testid="batch-state"][data-state="done"]').waitFor();
    // Asking, then thinking better of it, deletes nothing.
    await page.locator('[data-testid="delete-start"]').click();
    await page.locator('[data-testid="delete-confirm"]', { hasText: batchId }).waitFor();
    await page.locator('[data-testid="delete-confirm"] button', { hasText: "Keep it" }).click();
    await page.locator('[data-testid="delete-start"]').waitFor();
    expect((await client.send("GET", `/v1/batches/${batchId}`)).status).toBe(200);

    await page.locator('[data-testid="delete-start"]').click();
    await shot("11-delete-confirm");
    await page.locator('[data-testid="delete-confirmed"]').click();
    await page.waitForURL(new RegExp(`#/batches\\?deleted=${batchId}$`));
    await page.locator('[data-testid="deleted-notice"]', { hasText: batchId }).waitFor();
    expect((await client.send("GET", `/v1/batches/${batchId}`)).status).toBe(410);
    const row = page.locator(`[data-testid="batch-list"] tr[data-batch="${batchId}"]`);
    await row.locator(".badge", { hasText: "deleted" }).waitFor();
    expect(await row.locator("a").count()).toBe(0);
    expect(await page.locator('[data-run="ui-run"] [data-testid="reward-curve"]').getAttribute("data-points")).toBe(
      "2",
    );
    await shot("12-batch-deleted");

    await page.goto(`${url}/#/batches/${batchId}`);
    await page.locator("#error", { hasText: "batch_deleted" }).waitFor();
  });
});
