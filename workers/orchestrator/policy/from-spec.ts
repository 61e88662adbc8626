import type { PolicySpec } from "../../shared/policy-spec.ts";
import type { ToolInfo } from "../../shared/manifest.ts";
import type { ToolFormat } from "../tool-format/format.ts";
import { openAiPolicy } from "./openai.ts";
import { oraclePolicy } from "./oracle.ts";
import { randomPolicy } from "./random.ts";
import type { Policy } from "./policy.ts";
import { scriptedPolicy } from "./scripted.ts";

/** `seed` makes a random policy reproducible: the same rollout id draws the same calls. */
export function policyFromSpec(spec: PolicySpec, format: ToolFormat, tools: ToolInfo[], seed: number): Policy {
  switch (spec.kind) {
    case "oracle":
      return oraclePolicy(format);
    case "random":
      return randomPolicy(format, tools, seed, spec.answerChance);
    case "scripted":
      return scriptedPolicy(spec.replies);
    case "openai":
      return openAiPolicy(spec);
  }
}
