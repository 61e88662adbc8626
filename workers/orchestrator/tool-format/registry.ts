import { awmXml } from "./awm-xml.ts";
import type { ToolFormat, ToolFormatName } from "./format.ts";
import { openAiTools } from "./openai-tools.ts";

const FORMATS: Record<ToolFormatName, ToolFormat> = { "openai-tools": openAiTools, "awm-xml": awmXml };

/** The format a batch names. */
export function toolFormat(name: ToolFormatName): ToolFormat {
  return FORMATS[name];
}
