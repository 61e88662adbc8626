/** Every runtime we ship on accepts this date: the vitest pool's workerd refuses dates after 2026-11-09. */
export const COMPATIBILITY_DATE = "2026-08-22";
