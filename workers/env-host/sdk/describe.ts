import * as z from "zod";
import type { EnvDef } from "./define.ts";
import { SDK_VERSION } from "./define.ts";

/** What a bundle says about itself: everything but code. The build and the upload check both read it. */
export function describeEnv(def: EnvDef) {
  return {
    name: def.name,
    description: def.description,
    sdkVersion: SDK_VERSION,
    tools: Object.entries(def.tools).map(([name, t]) => ({
      name,
      description: t.description,
      inputSchema: z.toJSONSchema(t.input, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
      annotations: {
        ...(t.annotations?.title ? { title: t.annotations.title } : {}),
        readOnlyHint: t.annotations?.readOnly ?? false,
        destructiveHint: t.annotations?.destructive ?? false,
        idempotentHint: t.annotations?.idempotent ?? false,
        openWorldHint: false,
      },
    })),
    tasks: def.tasks.map((t) => ({
      id: t.id,
      prompt: t.prompt,
      solution: t.solution,
      ...(t.referenceAnswer !== undefined ? { referenceAnswer: t.referenceAnswer } : {}),
    })),
  };
}

export type EnvDescription = ReturnType<typeof describeEnv>;
