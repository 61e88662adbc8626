import { z } from "zod";

/** How much history a policy request keeps; part of a batch's spec, replayed by the trainer. */
export const TruncationSpec = z.object({
  keepTurns: z.number().int().min(1).optional(),
  maxTokens: z.number().int().min(256).optional(),
});
export type TruncationSpec = z.infer<typeof TruncationSpec>;
