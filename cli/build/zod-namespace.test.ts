import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../paths.ts";
import { buildEnv } from "./bundle-env.ts";
import { zodFromSdk } from "./zod-namespace.ts";

describe("an environment's z import", () => {
  it("is taken from zod itself, the SDK's other names from the SDK, the rest of the source as written", () => {
    expect(zodFromSdk(`import { tool, z, type Db } from "worldfarm/sdk";\nconst n: number = 1;`)).toBe(
      `import * as z from "zod"; import { tool, type Db } from "worldfarm/sdk";\nconst n: number = 1;`,
    );
    expect(zodFromSdk(`import {\n  z as schema,\n} from "worldfarm/sdk";`)).toBe(`import * as schema from "zod";`);
    expect(zodFromSdk(`import { defineEnv, "z" as q, sql as s } from "worldfarm/sdk";`)).toBe(
      `import * as q from "zod"; import { defineEnv, sql as s } from "worldfarm/sdk";`,
    );
  });

  it("is left alone where the source takes no z value from the SDK", () => {
    expect(zodFromSdk(`import { tool } from "worldfarm/sdk";`)).toBeUndefined();
    expect(zodFromSdk(`import type { z } from "worldfarm/sdk";`)).toBeUndefined();
    expect(zodFromSdk(`import { type z, tool } from "worldfarm/sdk";`)).toBeUndefined();
    expect(zodFromSdk(`import * as sdk from "worldfarm/sdk"; sdk.z.object({});`)).toBeUndefined();
    expect(zodFromSdk(`import { z } from "zod"; import { z as y } from "./sdk.ts";`)).toBeUndefined();
  });

  it("keeps a built bundle to the zod its environment uses", async () => {
    // 711 KB while the SDK's z namespace went in whole, zod being 582 KB of it.
    const { module, manifest } = await buildEnv(join(ROOT, "envs/shop"));
    expect(module.length).toBeLessThan(400_000);
    expect(manifest.tools.find((t) => t.name === "add_to_cart")?.inputSchema).toMatchObject({
      properties: { quantity: { type: "integer", minimum: 1, maximum: 20, default: 1 } },
    });
  });
});
