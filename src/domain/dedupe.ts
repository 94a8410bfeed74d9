/**
 * @module
 * Groups an alert's matches by token: each distinct token is resolved once, whatever number of
 * places it was seen in. The key is the token's SHA-256, the same key the incident log uses.
 */
import { sha256Hex } from "../lib/hash";
import type { Match } from "./alert-body";

/** Where one token was seen. */
export interface Sighting {
  url: string;
  source: string;
  type: string;
}

/** One distinct token of an alert. `token` is the raw secret: keep it in memory only. */
export interface LeakedToken {
  tokenHash: string;
  token: string;
  /** The type as the sender first reported it, echoed back in feedback. */
  type: string;
  sightings: Sighting[];
}

/** Distinct tokens in first-seen order, each with every distinct place it was seen. */
export async function dedupeMatches(matches: readonly Match[]): Promise<LeakedToken[]> {
  const hashes = await Promise.all(matches.map((m) => sha256Hex(m.token)));
  const byHash = new Map<string, LeakedToken>();
  const seen = new Set<string>();
  matches.forEach((m, i) => {
    const tokenHash = hashes[i] as string;
    let entry = byHash.get(tokenHash);
    if (!entry) {
      entry = { tokenHash, token: m.token, type: m.type, sightings: [] };
      byHash.set(tokenHash, entry);
    }
    const place = JSON.stringify([tokenHash, m.url, m.source, m.type.toLowerCase()]);
    if (!seen.has(place)) {
      seen.add(place);
      entry.sightings.push({ url: m.url, source: m.source, type: m.type });
    }
  });
  return [...byHash.values()];
}
