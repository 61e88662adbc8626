import type { JsonSchema } from "../shared/json-schema.ts";

/** A small value that satisfies a JSON Schema, for calling a tool once to see that it answers. */
export function smokeValue(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const options = schema.anyOf ?? schema.oneOf;
  if (options?.length) return smokeValue(options.find((o) => o.type !== "null") ?? options[0]!);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries((schema.required ?? []).map((k) => [k, smokeValue(schema.properties?.[k] ?? {})]));
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => smokeValue(schema.items ?? {}));
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case "boolean":
      return false;
    case "string":
      if (schema.format === "date") return "2026-01-15";
      if (schema.format === "date-time") return "2026-01-15T09:00:00Z";
      if (schema.format === "email") return "someone@example.com";
      return "x".repeat(Math.max(1, schema.minLength ?? 4));
    default:
      return null;
  }
}
