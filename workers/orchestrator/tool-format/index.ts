export { awmXml, CALL_TOOL, LIST_TOOLS } from "./awm-xml.ts";
export { FormatCheck, FormatRepair, ParsedTurn, ToolFormatName, type ToolFormat } from "./format.ts";
export { parseLenientJson, Repair, type LenientResult } from "./lenient-json.ts";
export { openAiTools } from "./openai-tools.ts";
export { toolFormat } from "./registry.ts";
