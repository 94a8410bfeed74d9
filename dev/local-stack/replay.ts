/**
 * @module
 * Keeping a fresh Clerk stand-in in step with a kept local D1: the stand-in forgets everything between runs while D1
 * persists, so demo keys the incident log shows revoked are revoked again in the stand-in before the Worker is asked
 * about them. Node only (it queries D1 through wrangler).
 */
import * as v from "valibot";
import type { ClerkStandin, CreatedStandinKey } from "../clerk-standin.ts";
import { runWrangler, type WranglerContext } from "./wrangler.ts";

/** The reason the Worker gives Clerk, replayed as it was given. */
const REVOCATION_REASON = "Key compromised";

const D1ExecuteOutput = v.array(v.object({ results: v.array(v.object({ key_id: v.string() })) }));

/** A stand-in and the demo keys it holds, for the replay. */
export interface ReplayTarget {
  standin: ClerkStandin;
  secretKey: string;
  keys: readonly CreatedStandinKey[];
}

/** Revokes in each target's stand-in those of its demo keys the local D1 at `persistTo` records revoked. */
export async function replayRevocations(
  ctx: WranglerContext,
  persistTo: string,
  targets: readonly ReplayTarget[],
): Promise<void> {
  // The ids are our own fixed demo ids (`ak_` + hex), not input, so quoting them into the SQL is safe.
  const ids = targets.flatMap((t) => t.keys.map((k) => `'${k.id}'`)).join(", ");
  const sql = `SELECT key_id FROM incidents WHERE status = 'revoked' AND key_id IN (${ids})`;
  const text = await runWrangler(ctx, [
    "d1",
    "execute",
    "DB",
    "--local",
    "--persist-to",
    persistTo,
    "--json",
    "--command",
    sql,
  ]);
  const parsed = v.safeParse(D1ExecuteOutput, JSON.parse(text.slice(text.indexOf("["))));
  if (!parsed.success) return;
  for (const { key_id: id } of parsed.output.flatMap((r) => r.results)) {
    const target = targets.find((t) => t.keys.some((k) => k.id === id));
    if (!target) continue;
    await target.standin.handle(
      new Request(`http://clerk.local/api_keys/${id}/revoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${target.secretKey}`, "content-type": "application/json" },
        body: JSON.stringify({ revocation_reason: REVOCATION_REASON }),
      }),
    );
  }
}
