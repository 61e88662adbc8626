/** Normalises a timestamp to the form clock.iso() writes, and shifts it by hours. */
export const at = (iso: string, plusHours = 0): string =>
  new Date(Date.parse(iso) + plusHours * 3_600_000).toISOString();
