/**
 * A toy tokenizer and Qwen3-like chat template. Ids are UTF-8 bytes, with the two Qwen3 special
 * tokens as single ids, so a prompt's ids are a pure function of its messages and a later turn's
 * prompt ids extend the earlier prompt plus completion whenever the history is unchanged.
 */

export const IM_START = "<|im_start|>";
export const IM_END = "<|im_end|>";
const SPECIAL: Record<string, number> = { [IM_START]: 151644, [IM_END]: 151645 };
const SPECIAL_PATTERN = /(<\|im_start\|>|<\|im_end\|>)/;

export interface TemplateMessage {
  role: string;
  content?: unknown;
  tool_calls?: { function: { name: string; arguments: string } }[] | undefined;
}

export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("");
  return "";
}

/** The text an assistant turn is generated as: native tool calls are rendered the way Qwen3 emits them. */
export function assistantText(message: Omit<TemplateMessage, "role">): string {
  // Arguments go in as sent, so a client that echoes a call back renders the text that was generated.
  const calls = (message.tool_calls ?? []).map(
    (call) => `<tool_call>\n{"name":${JSON.stringify(call.function.name)},"arguments":${call.function.arguments}}\n</tool_call>`,
  );
  return [contentText(message.content), ...calls].filter((part) => part !== "").join("\n");
}

/** The prompt for the next assistant turn, ending with the generation prompt. */
export function renderPrompt(messages: TemplateMessage[]): string {
  const body = messages.map((m) => `${IM_START}${m.role}\n${m.role === "assistant" ? assistantText(m) : contentText(m.content)}${IM_END}\n`);
  return `${body.join("")}${IM_START}assistant\n`;
}

/** What the model generates for `text`: the text and the end-of-turn token (the template's newline follows it). */
export function completionText(text: string): string {
  return `${text}${IM_END}`;
}

export function encode(text: string): number[] {
  const encoder = new TextEncoder();
  return text.split(SPECIAL_PATTERN).flatMap((piece) => (piece in SPECIAL ? [SPECIAL[piece]!] : [...encoder.encode(piece)]));
}

export function decode(ids: number[]): string {
  const names = Object.fromEntries(Object.entries(SPECIAL).map(([name, id]) => [id, name]));
  let text = "";
  let bytes: number[] = [];
  const flush = () => {
    text += new TextDecoder().decode(new Uint8Array(bytes));
    bytes = [];
  };
  for (const id of ids) {
    if (names[id] === undefined) bytes.push(id);
    else {
      flush();
      text += names[id];
    }
  }
  flush();
  return text;
}

/** vLLM's spelling of a token that is not text on its own. */
export function tokenString(id: number): string {
  if (id < 0x80) return String.fromCharCode(id);
  return id > 0xff ? decode([id]) : `bytes:\\x${id.toString(16).padStart(2, "0")}`;
}
