import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildLoaderRuntime, generatedSource, GENERATED } from "./loader-runtime.ts";

describe("the loader runtime the Worker carries as text", () => {
  it("is what the runtime's source builds to now (run `npm run gen:runtime` after changing it)", async () => {
    expect(await readFile(GENERATED, "utf8")).toBe(generatedSource(await buildLoaderRuntime()));
  });

  it("brings no copy of zod: each bundle has its own, run as environment code", async () => {
    expect(await buildLoaderRuntime()).not.toMatch(/ZodError|\$ZodType/);
  });
});
