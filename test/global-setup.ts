import type { TestProject } from "vitest/node";
import { buildEnv, type BuiltBundle } from "../cli/build/bundle-env.ts";

declare module "vitest" {
  export interface ProvidedContext {
    bundles: Record<string, BuiltBundle>;
  }
}

/** Builds every environment the tests upload, once, the way `worldfarm build` does. */
export default async function setup(project: TestProject) {
  const dirs = ["envs/shop", "envs/tracker", "test/fixtures/envs/lab", "test/fixtures/envs/memo"];
  const built = await Promise.all(dirs.map((d) => buildEnv(d)));
  project.provide("bundles", Object.fromEntries(built.map((b) => [b.manifest.name, b])));
}
