import { CallVerdict } from "../../shared/call-verdict.ts";

/** The supervisor's verdict on a call, through the world's WORLD_STOPS binding; unknown where there is none. */
export async function verdictOf(stops: Fetcher | undefined, token: string): Promise<CallVerdict> {
  if (!stops) return { verdict: "unknown" };
  try {
    const res = await stops.fetch(`http://stops/verdict?token=${encodeURIComponent(token)}`, { method: "POST" });
    return CallVerdict.parse(await res.json());
  } catch {
    return { verdict: "unknown" };
  }
}
