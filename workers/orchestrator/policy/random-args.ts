import type { JsonSchema } from "../../shared/json-schema.ts";

const WORDS = ["alpha", "blue", "cable", "desk", "echo", "green", "laptop", "milk", "order", "sprint", "usb", "web"];

/** A random value valid for a JSON Schema as zod emits them: the random policy's arguments. */
export function randomValue(schema: JsonSchema, random: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return pick(schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options?.length) return randomValue(pick(options), random);
  const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
  switch (type) {
    case "object": {
      const props = Object.entries(schema.properties ?? {});
      // Required fields always, optional ones half the time.
      const chosen = props.filter(([k]) => schema.required?.includes(k) || random() < 0.5);
      return Object.fromEntries(chosen.map(([k, s]) => [k, randomValue(s, random)]));
    }
    case "array": {
      const min = schema.minItems ?? 0;
      const max = Math.max(min, Math.min(schema.maxItems ?? min + 3, min + 3));
      return Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () =>
        randomValue(schema.items ?? {}, random),
      );
    }
    case "integer":
    case "number": {
      const lo = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      const hi = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : lo + 50);
      const n = lo + random() * (hi - lo);
      return type === "integer" ? Math.min(Math.floor(hi), Math.max(Math.ceil(lo), Math.round(n))) : n;
    }
    case "boolean":
      return random() < 0.5;
    case "string": {
      if (schema.format === "date") return `2026-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`;
      if (schema.format === "date-time") return "2026-01-15T09:00:00Z";
      if (schema.format === "email") return `${pick(WORDS)}@example.com`;
      if (schema.pattern) {
        // No regex inversion here: offer the shapes environments ask for, and take one the pattern accepts.
        const pattern = new RegExp(schema.pattern);
        const fits = [
          `2026-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
          "2026-02-15T09:00:00.000Z",
          `#${Math.floor(random() * 0xffffff)
            .toString(16)
            .padStart(6, "0")}`,
          pick(["WEB", "API", "OPS"]),
          `${pick(WORDS)}-${Math.floor(random() * 99)}`,
          pick(WORDS),
        ].filter((c) => pattern.test(c));
        if (fits.length) return pick(fits);
      }
      let text = pick(WORDS);
      while (text.length < (schema.minLength ?? 1)) text += ` ${pick(WORDS)}`;
      return schema.maxLength !== undefined ? text.slice(0, schema.maxLength) : text;
    }
    case "null":
      return null;
    default:
      return pick(WORDS);
  }
}
