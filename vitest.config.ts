import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** One workerd project per configuration the Worker can run in. */
const workerd = (name: string, include: string[], bindings: Record<string, string> = {}, exclude: string[] = []) => ({
  plugins: [cloudflareTest({
    wrangler: { configPath: "./wrangler.toml" },
    // StaticWorld has no binding: it is a facet class reached through ctx.exports, which the pool must be told of.
    additionalExports: { StaticWorld: "DurableObject" },
    miniflare: { bindings },
    // Verbose workerd logs every error an RPC method returns to its caller as an "uncaught exception", handled or
    // not; the farm runs workerd quietly, and workers/report-unhandled.ts logs the rejections nobody handles.
    verbose: false,
  })],
  test: { name, include, exclude, globalSetup: ["./test/global-setup.ts", "./test/fake-policy-setup.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});

export default defineConfig({
  test: {
    projects: [
      workerd("workerd", ["test/**/*.test.ts", "workers/**/*.test.ts"], {}, ["test/static-mode.test.ts", "test/admin-token.test.ts", "test/browser/**", "test/quiet/**"]),
      workerd("workerd-static", ["test/static-mode.test.ts"], { RUNTIME_MODE: "static" }),
      workerd("workerd-admin", ["test/admin-token.test.ts"], { FARM_ADMIN_TOKEN: "test-admin-token" }),
      // test/browser drives the dashboard in Chromium from Node, against a local farm.
      { test: { name: "node", environment: "node", include: ["cli/**/*.test.ts", "bench/**/*.test.ts", "test/browser/**/*.test.ts", "test/quiet/**/*.test.ts", "synth/**/*.test.ts", "trainer-bridge/**/*.test.ts"],
        setupFiles: ["./test/quiet/ignore-sqlite-warning.ts"] } },
    ],
  },
});
