import { describe, expect, it } from "vitest";
import { parseLenientJson } from "./lenient-json.ts";

describe("parseLenientJson", () => {
  it("parses valid JSON strictly, with no repairs", () => {
    expect(parseLenientJson('{"a": [1, "x,]"]}')).toEqual({ ok: true, value: { a: [1, "x,]"] }, repairs: [] });
  });

  it.each([
    ["trailing commas", '{"a": [1, 2,], "b": 3,}', { a: [1, 2], b: 3 }, ["trailing-commas"]],
    ["single quotes", "{'a': 'it\\'s \"q\"'}", { a: 'it\'s "q"' }, ["single-quotes"]],
    [
      "a missing closing brace",
      '{"name": "x", "arguments": {"a": 1}',
      { name: "x", arguments: { a: 1 } },
      ["unclosed"],
    ],
    ["an unclosed string", '{"a": "b', { a: "b" }, ["unclosed"]],
    ["a bracket closed by the wrong brace", '{"a": [1, 2}', { a: [1, 2] }, ["unclosed"]],
    [
      "Python literals",
      '{"a": True, "b": False, "c": None, "d": "True"}',
      { a: true, b: false, c: null, d: "True" },
      ["python-literals"],
    ],
    ["a code fence", '```json\n{"a": 1}\n```', { a: 1 }, ["code-fence"]],
    ["text around the object", 'Here: {"a": 1}}', { a: 1 }, ["surrounding-text"]],
    ["unquoted keys", "{a: 1}", { a: 1 }, ["unquoted-keys"]],
    ["raw newlines in strings", '{"a": "line1\nline2"}', { a: "line1\nline2" }, ["control-characters"]],
  ])("repairs %s", (_what, text, value, repairs) => {
    expect(parseLenientJson(text)).toEqual({ ok: true, value, repairs });
  });

  it("reports every repair it combined", () => {
    const result = parseLenientJson("```\n{'a': True,\n");
    expect(result.ok && result.value).toEqual({ a: true });
    expect(result.ok && [...result.repairs].sort()).toEqual([
      "code-fence",
      "python-literals",
      "single-quotes",
      "trailing-commas",
      "unclosed",
    ]);
  });

  it("fails with the strict parser's error on garbage", () => {
    const result = parseLenientJson("I will now call the tool");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/JSON/);
    expect(parseLenientJson('{"a": @@}').ok).toBe(false);
  });
});
