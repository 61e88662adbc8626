import type { PolicySpec } from "../../shared/policy-spec.ts";
import type { ToolFormat } from "../tool-format/format.ts";
import { openAiPolicy } from "./openai.ts";
import { oraclePolicy } from "./oracle.ts";
import type { Policy } from "./policy.ts";
import { scriptedPolicy } from "./scripted.ts";

export function policyFromSpec(spec: PolicySpec, format: ToolFormat): Policy {
  switch (spec.kind) {
    case "oracle":
      return oraclePolicy(format);
    case "scripted":
      return scriptedPolicy(spec.replies);
    case "openai":
      return openAiPolicy(spec);
  }
}
