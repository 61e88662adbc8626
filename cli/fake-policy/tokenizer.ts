/**
 * The fake vLLM's tokenizers. `toyTokenizer`: ids are UTF-8 bytes, with the two Qwen3 special tokens as single ids,
 * under a Qwen3-like template that only ever appends, so a later turn's prompt ids extend the earlier prompt plus
 * completion whenever the history is unchanged. `qwen3.ts` has the real Qwen3 tokenizer and official template.
 */

export const IM_START = "<|im_start|>";
export const IM_END = "<|im_end|>";
const SPECIAL: Record<string, number> = { [IM_START]: 151644, [IM_END]: 151645 };

export interface TemplateMessage {
  role: string;
  content?: unknown;
  tool_calls?: { function: { name: string; arguments: string } }[] | undefined;
}

export interface TemplateOptions {
  /** The request's `tools`, listed in the system turn as Qwen3 does. */
  tools?: unknown[] | undefined;
  addGenerationPrompt: boolean;
  /** Qwen3's `chat_template_kwargs.enable_thinking`; on unless false. */
  enableThinking?: boolean | undefined;
}

/** What the fake server needs of a tokenizer and its chat template. */
export interface FakeTokenizer {
  name: string;
  render(messages: TemplateMessage[], options: TemplateOptions): string;
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** The text a model writes for `reply`, up to and including its end-of-turn token. */
  generate(reply: Omit<TemplateMessage, "role">, thinking: boolean): string;
  /** The message vLLM's parsers (hermes tool calls, no reasoning parser) make of that text for a chat completion. */
  message(
    reply: { content: string | null; tool_calls?: unknown[] },
    thinking: boolean,
  ): { content: string | null; tool_calls?: unknown[] };
  /** Whether a rendered prompt asks the model to think (Qwen3 pre-fills an empty think block when it must not). */
  thinks(prompt: string): boolean;
  /** vLLM's spelling of a token in logprobs. */
  tokenString(id: number): string;
  /** The ids of `text` as their JSON array and their count, written faster than listed. */
  encodeJson?(text: string): EncodedJson;
}

export interface EncodedJson {
  count: number;
  json: string;
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
    (call) =>
      `<tool_call>\n{"name":${JSON.stringify(call.function.name)},"arguments":${call.function.arguments}}\n</tool_call>`,
  );
  return [contentText(message.content), ...calls].filter((part) => part !== "").join("\n");
}

function toolName(tool: unknown): unknown {
  return (tool as { function?: { name?: unknown } } | null)?.function?.name;
}

/** The prompt for the next assistant turn, ending with the generation prompt when asked. */
export function renderPrompt(
  messages: TemplateMessage[],
  options: TemplateOptions = { addGenerationPrompt: true },
): string {
  // Names only: byte ids make every prompt token count, and a farm's tool schemas run to tens of kilobytes.
  const tools = options.tools?.length
    ? `\n\n<tools>\n${options.tools.map((t) => JSON.stringify({ name: toolName(t) })).join("\n")}\n</tools>`
    : "";
  const withTools = tools && messages[0]?.role !== "system" ? [{ role: "system", content: "" }, ...messages] : messages;
  const body = withTools.map(
    (m, i) =>
      `${IM_START}${m.role}\n${m.role === "assistant" ? assistantText(m) : `${contentText(m.content)}${i === 0 ? tools : ""}`}${IM_END}\n`,
  );
  return `${body.join("")}${options.addGenerationPrompt ? `${IM_START}assistant\n` : ""}`;
}

/** What the model generates for `text`: the text and the end-of-turn token (the template's newline follows it). */
export function completionText(text: string): string {
  return `${text}${IM_END}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SPECIAL_NAMES = new Map(Object.entries(SPECIAL).map(([name, id]) => [id, name]));
const SPECIAL_BYTES = Object.entries(SPECIAL).map(([name, id]) => ({ id, bytes: encoder.encode(name) }));
const LT = "<".charCodeAt(0);
const PIPE = "|".charCodeAt(0);

function specialAt(bytes: Uint8Array, at: number): { id: number; bytes: Uint8Array } | undefined {
  return SPECIAL_BYTES.find((special) => special.bytes.every((b, k) => bytes[at + k] === b));
}

export function encode(text: string): number[] {
  // One pass over the UTF-8 bytes, specials matched where they start: the fake shares the machine with the farm it
  // serves, and prompts run to tens of thousands of byte ids a turn.
  const bytes = encoder.encode(text);
  const ids = new Array<number>(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const special = bytes[i] === LT && bytes[i + 1] === PIPE ? specialAt(bytes, i) : undefined;
    if (special) {
      ids[n++] = special.id;
      i += special.bytes.length - 1;
    } else ids[n++] = bytes[i]!;
  }
  ids.length = n;
  return ids;
}

/** Each byte's id as JSON text. */
const BYTE_JSON = Array.from({ length: 256 }, (_, b) => Buffer.from(String(b)));

/**
 * `JSON.stringify(encode(text))` and its length, written from the UTF-8 bytes without listing the ids: a prompt runs
 * to tens of thousands of ids a turn, and an array of them cost the fake more than the rest of its answer (its CPU
 * counts against the farm's in a benchmark on one machine).
 */
export function encodeJson(text: string): EncodedJson {
  const bytes = Buffer.from(text, "utf8");
  // Three digits and a comma a byte at most; a special's six digits replace ten bytes or more.
  const out = Buffer.allocUnsafe(bytes.length * 4 + 2);
  let o = 0;
  let count = 0;
  out[o++] = 0x5b;
  for (let i = 0; i < bytes.length; i++) {
    if (count++ > 0) out[o++] = 0x2c;
    const special = bytes[i] === LT && bytes[i + 1] === PIPE ? specialAt(bytes, i) : undefined;
    if (special) {
      o += out.write(String(special.id), o, "latin1");
      i += special.bytes.length - 1;
    } else {
      const digits = BYTE_JSON[bytes[i]!]!;
      for (let k = 0; k < digits.length; k++) out[o++] = digits[k]!;
    }
  }
  out[o++] = 0x5d;
  return { count, json: out.toString("latin1", 0, o) };
}

export function decode(ids: number[]): string {
  let text = "";
  let bytes: number[] = [];
  const flush = () => {
    text += decoder.decode(new Uint8Array(bytes));
    bytes = [];
  };
  for (const id of ids) {
    const name = SPECIAL_NAMES.get(id);
    if (name === undefined) bytes.push(id);
    else {
      flush();
      text += name;
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

export const toyTokenizer: FakeTokenizer = {
  name: "toy",
  render: renderPrompt,
  encode,
  encodeJson,
  decode,
  generate: (reply) => completionText(assistantText(reply)),
  message: (reply) => reply,
  thinks: () => false,
  tokenString,
};
