import { z } from "zod";
import type { ToolInfo } from "../../shared/manifest.ts";

const annotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

/** Tools with schemas as the SDK emits them, through z.toJSONSchema. */
export const TOOLS: ToolInfo[] = [
  {
    name: "book_room",
    description: "Book a hotel room.",
    inputSchema: z.toJSONSchema(
      z.object({
        city: z.string().min(2),
        nights: z.number().int().min(1).max(30),
        kind: z.enum(["single", "double"]),
        breakfast: z.boolean().optional(),
      }),
    ) as Record<string, unknown>,
    annotations,
  },
  {
    name: "list_bookings",
    description: "List bookings.",
    inputSchema: z.toJSONSchema(z.object({})) as Record<string, unknown>,
    annotations,
  },
];
