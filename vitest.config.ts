import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const workerd = (name: string, include: string[], bindings: Record<string, string> = {}) => ({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings } })],
  test: { name, include, globalSetup: ["./test/global-setup.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});

export default defineConfig({
  test: {
    projects: [
      workerd("workerd", ["test/**/*.test.ts", "workers/**/*.test.ts"]),
      workerd("workerd-static", ["test/static-mode.test.ts"], { RUNTIME_MODE: "static" }),
      { test: { name: "node", environment: "node", include: ["cli/**/*.test.ts", "bench/**/*.test.ts"] } },
    ],
  },
});
