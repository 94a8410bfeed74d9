/**
 * @module
 * The fingerprint of the Clerk configuration a verdict was given under. A `not_found` is only as true as the
 * configuration that asked: another instance's secret key, or a wrong CLERK_API_URL that still reaches something
 * answering Clerk-shaped 404s, makes every live key look unknown. The fingerprint is stored with each `not_found`, and
 * a sighting under a different one verifies the token again (incidents/intake.ts).
 *
 * It names the instances (names are slugs, safe to show) and hashes everything else: each secret key and the API URL.
 * It never holds a key, and the hash cannot be turned back into one.
 */
import { sha256Hex } from "../lib/hash";
import type { ClerkInstanceKey } from "./clerk-instances";

/** Hex digits of the hash kept: enough that two configurations never share one by chance. */
const FINGERPRINT_HEX_CHARS = 32;

/** `v1:<names, sorted>:<hash of the names, each key's SHA-256 and the API URL>`. */
export async function verdictConfigFingerprint(
  instances: readonly ClerkInstanceKey[],
  apiUrl: string,
): Promise<string> {
  const sorted = [...instances].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = await Promise.all(sorted.map(async (i) => `${i.name}\t${await sha256Hex(i.secretKey)}`));
  const digest = await sha256Hex([apiUrl, ...lines].join("\n"));
  return `v1:${sorted.map((i) => i.name).join(",")}:${digest.slice(0, FINGERPRINT_HEX_CHARS)}`;
}
