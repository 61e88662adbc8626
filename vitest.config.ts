import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * One workerd project per configuration the Worker can run in. FARM_TEST_UNAUTHENTICATED lets these tests call
 * admin routes without a header; `worldfarm start` and a deploy never set it. The SECURED files run as a farm
 * really runs: with an admin token and the host names `worldfarm start` allows (the route walk runs in both modes).
 */
const OPEN = { FARM_TEST_UNAUTHENTICATED: "true" };
const SECURED = ["test/admin-token.test.ts", "test/access.test.ts", "test/route-walk.test.ts"];
const workerd = (name: string, include: string[], bindings: Record<string, string> = {}, exclude: string[] = []) => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      // StaticWorld has no binding: it is a facet class reached through ctx.exports, which the pool must be told of.
      additionalExports: { StaticWorld: "DurableObject" },
      miniflare: { bindings },
      // Verbose workerd logs every error an RPC method returns to its caller as an "uncaught exception", handled or
      // not; the farm runs workerd quietly, and workers/report-unhandled.ts logs the rejections nobody handles.
      verbose: false,
    }),
  ],
  test: {
    name,
    include,
    exclude,
    globalSetup: ["./test/global-setup.ts", "./test/fake-policy-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    projects: [
      workerd("workerd", ["test/**/*.test.ts", "workers/**/*.test.ts"], OPEN, [
        "test/static-mode.test.ts",
        "test/admin-token.test.ts",
        "test/access.test.ts",
        "test/instance-cap.test.ts",
        "test/world-modules.test.ts",
        "test/browser/**",
        "test/quiet/**",
        "workers/env-host/sdk/**",
      ]),
      workerd("workerd-static", ["test/static-mode.test.ts"], { ...OPEN, RUNTIME_MODE: "static" }),
      workerd("workerd-admin", SECURED, {
        FARM_ADMIN_TOKEN: "test-admin-token",
        FARM_ALLOWED_HOSTS: "loopback,farm.test",
      }),
      // A farm capped at a few live instances, so the cap is reached without building a thousand worlds.
      workerd("workerd-limits", ["test/instance-cap.test.ts"], { ...OPEN, MAX_LIVE_INSTANCES: "3" }),
      // Fewer worlds keep their evaluated module code than the loader's default, as a local farm sets it.
      workerd("workerd-modules", ["test/world-modules.test.ts"], { ...OPEN, FARM_WORLD_MODULES: "3" }),
      // test/browser drives the dashboard in Chromium from Node, against a local farm.
      {
        test: {
          name: "node",
          environment: "node",
          include: [
            "cli/**/*.test.ts",
            "bench/**/*.test.ts",
            "workers/env-host/sdk/**/*.test.ts",
            "test/browser/**/*.test.ts",
            "test/quiet/**/*.test.ts",
            "synth/**/*.test.ts",
            "trainer-bridge/**/*.test.ts",
          ],
          setupFiles: ["./test/quiet/ignore-sqlite-warning.ts"],
        },
      },
    ],
  },
});
