import { z } from "zod";

/** The repairs `parseLenientJson` knows; recorded so rewards can tell a clean call from a rescued one. */
export const Repair = z.enum([
  "code-fence",
  "surrounding-text",
  "single-quotes",
  "python-literals",
  "unquoted-keys",
  "control-characters",
  "trailing-commas",
  "unclosed",
]);
export type Repair = z.infer<typeof Repair>;

export type LenientResult = { ok: true; value: unknown; repairs: Repair[] } | { ok: false; error: string };

const PYTHON_LITERALS: Record<string, string> = { True: "true", False: "false", None: "null" };
const CONTROL_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Parses JSON the way models write it. Strict `JSON.parse` first; only when that fails, one pass
 * rewrites the text (strings are read whole, so a repair never touches what is inside them).
 */
export function parseLenientJson(text: string): LenientResult {
  let strictError: string;
  try {
    return { ok: true, value: JSON.parse(text), repairs: [] };
  } catch (err) {
    strictError = (err as Error).message;
  }
  const repairs = new Set<Repair>();
  const rewritten = rewrite(unfence(text.trim(), repairs), repairs);
  if (rewritten === undefined) return { ok: false, error: strictError };
  try {
    return { ok: true, value: JSON.parse(rewritten), repairs: [...repairs] };
  } catch {
    return { ok: false, error: strictError };
  }
}

function unfence(text: string, repairs: Set<Repair>): string {
  const fenced = /^```[\w-]*[ \t]*\n?([\s\S]*?)(?:```\s*)?$/.exec(text);
  if (!fenced) return text;
  repairs.add("code-fence");
  return fenced[1]!.trim();
}

/** Rewrites the first JSON object or array in `text`; undefined when there is none. */
function rewrite(text: string, repairs: Set<Repair>): string | undefined {
  const start = text.search(/[{[]/);
  if (start < 0) return undefined;
  if (start > 0) repairs.add("surrounding-text");
  let out = "";
  const closers: string[] = [];
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const str = readString(text, i, repairs);
      out += str.json;
      i = str.end;
    } else if (c === "{" || c === "[") {
      closers.push(c === "{" ? "}" : "]");
      out += c;
      i++;
    } else if (c === "}" || c === "]") {
      i++;
      // A closer with no opener of its kind is a stray; skip it.
      if (!closers.includes(c)) continue;
      out = dropTrailingComma(out, repairs);
      // Close what the model forgot before this closer, e.g. `{"a": [1, 2}`.
      while (closers.at(-1) !== c) {
        out += closers.pop();
        repairs.add("unclosed");
        out = dropTrailingComma(out, repairs);
      }
      out += closers.pop();
      if (closers.length === 0) break;
    } else if (/[A-Za-z_$]/.test(c)) {
      const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(i))![0];
      i += word.length;
      out += bareWord(word, text.slice(i), repairs);
    } else {
      out += c;
      i++;
    }
  }
  if (text.slice(i).trim() !== "") repairs.add("surrounding-text");
  if (closers.length > 0) {
    repairs.add("unclosed");
    out = dropTrailingComma(out, repairs);
    while (closers.length > 0) out += closers.pop();
  }
  return out;
}

function bareWord(word: string, rest: string, repairs: Set<Repair>): string {
  if (/^\s*:/.test(rest)) {
    repairs.add("unquoted-keys");
    return JSON.stringify(word);
  }
  const literal = PYTHON_LITERALS[word];
  if (literal) {
    repairs.add("python-literals");
    return literal;
  }
  return word;
}

function dropTrailingComma(out: string, repairs: Set<Repair>): string {
  const trimmed = out.trimEnd();
  if (!trimmed.endsWith(",")) return out;
  repairs.add("trailing-commas");
  return trimmed.slice(0, -1);
}

/** Reads a string opened by `"` or `'` at `start` and returns it as JSON text. */
function readString(text: string, start: number, repairs: Set<Repair>): { json: string; end: number } {
  const quote = text[start]!;
  if (quote === "'") repairs.add("single-quotes");
  let json = '"';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) return { json: json + '"', end: i + 1 };
    if (c === "\\" && i + 1 < text.length) {
      const next = text[i + 1]!;
      // `\'` is valid in a Python string, not in JSON.
      json += next === "'" ? "'" : c + next;
      i += 2;
      continue;
    }
    if (c === '"') json += '\\"';
    else if (CONTROL_ESCAPES[c]) {
      repairs.add("control-characters");
      json += CONTROL_ESCAPES[c];
    } else json += c;
    i++;
  }
  repairs.add("unclosed");
  return { json: json + '"', end: i };
}
