import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import type { JsonSchemaType, JsonSchemaValidator } from "@modelcontextprotocol/server";
import type { ToolInfo } from "../../shared/manifest.ts";
import type { FormatCheck, FormatRepair } from "./format.ts";

// The MCP SDK's workerd-safe validator (no code generation), shortcircuited so the message names the first bad field.
const provider = new CfWorkerJsonSchemaValidator();
const compiled = new WeakMap<object, JsonSchemaValidator<unknown>>();

function validatorFor(tool: ToolInfo): JsonSchemaValidator<unknown> {
  let validate = compiled.get(tool.inputSchema);
  if (!validate) {
    validate = provider.getValidator(tool.inputSchema as JsonSchemaType);
    compiled.set(tool.inputSchema, validate);
  }
  return validate;
}

/** Checks a readable call against the tools on offer: is the tool known, do the arguments fit its schema. */
export function checkCall(
  name: string,
  args: Record<string, unknown>,
  tools: ToolInfo[],
  repairs: FormatRepair[],
): FormatCheck {
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    const names = tools.map((t) => t.name).join(", ");
    return {
      tool: name,
      parsable: true,
      knownTool: false,
      argsValid: false,
      repairs,
      message: `unknown tool "${name}"; available tools: ${names}`,
    };
  }
  const verdict = validatorFor(tool)(args);
  if (verdict.valid) return { tool: name, parsable: true, knownTool: true, argsValid: true, repairs };
  return {
    tool: name,
    parsable: true,
    knownTool: true,
    argsValid: false,
    repairs,
    message: `invalid arguments for "${name}": ${verdict.errorMessage}`,
  };
}

/** The check for a call that could not be read at all. */
export function unparsable(message: string, repairs: FormatRepair[] = [], tool?: string): FormatCheck {
  return {
    ...(tool === undefined ? {} : { tool }),
    parsable: false,
    knownTool: false,
    argsValid: false,
    repairs,
    message,
  };
}
