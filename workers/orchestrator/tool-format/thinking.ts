/**
 * Removes reasoning from a reply. Qwen3-style templates open `<think>` in the prompt, so a reply
 * may hold only the closing tag: everything up to the last `</think>` is reasoning.
 */
export function stripThinking(text: string): string {
  const close = text.lastIndexOf("</think>");
  const visible = close >= 0 ? text.slice(close + "</think>".length) : text;
  // A `<think>` never closed means the reply was all reasoning.
  return visible.replace(/<think>[\s\S]*?(?:<\/think>|$)/g, "").trim();
}
