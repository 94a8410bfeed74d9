/**
 * @module
 * The stand-in's opaque M2M tokens, to Clerk's published M2M token object: add (the control API mints them, as a
 * machine would with its secret key), verify, revoke. Tokens are kept only as SHA-256, as keys are (key-store.ts), and
 * follow the same choices where the spec is silent: a token is dead once revoked or past its `expiration`; a second
 * revoke changes nothing and is counted; what the HTTP answer is for a dead token or a second revoke is the modes'.
 */
import * as v from "valibot";
import type { M2MTokenJson } from "../clerk-schemas.ts";
import { BASE62_ALPHABET, randomHex, randomString, sha256Hex } from "../standin-util.ts";

/** Input for a token minted on the control side. */
export const StandinM2MTokenInputSchema = v.strictObject({
  /** The machine the token belongs to (`mch_…`); a random one otherwise. */
  subject: v.optional(v.pipe(v.string(), v.regex(/^mch_\w{27}$/))),
  /** Expiry in milliseconds since the epoch; a past value makes the token expired. */
  expiration: v.optional(v.nullable(v.number())),
  /** A chosen id and value (the demo token's); random otherwise. */
  id: v.optional(v.pipe(v.string(), v.regex(/^mt_[0-9a-f]{32}$/))),
  token: v.optional(v.pipe(v.string(), v.regex(/^mt_[\x21-\x7e]{16,256}$/))),
});
export type StandinM2MTokenInput = v.InferInput<typeof StandinM2MTokenInputSchema>;

/** A token as the control API reports it: the M2M token JSON plus counters. */
export type StandinM2MTokenState = M2MTokenJson & { revoke_count: number; verify_count: number };

/** What verify found: a live token, a dead one, or none. */
export type M2MVerifyFinding =
  | { found: "live"; token: M2MTokenJson }
  | { found: "dead"; token: M2MTokenJson }
  | { found: "none" };

/** The M2M tokens of one stand-in instance. */
export interface M2MTokenStore {
  /** Mints a token: its JSON and the only copy of its raw value. */
  add(input: StandinM2MTokenInput): Promise<{ json: M2MTokenJson; token: string }>;
  verify(token: string, answeredDead: boolean): Promise<M2MVerifyFinding>;
  /** Revokes once (later calls count but change nothing); `undefined` when there is no such token. */
  revoke(
    id: string,
    reason: string | null,
  ): { found: "revoked_now" | "already_revoked"; token: M2MTokenJson } | undefined;
  states(): StandinM2MTokenState[];
  clear(): void;
}

interface Stored {
  json: Omit<M2MTokenJson, "expired">;
  sha256: string;
  revokeCount: number;
  verifyCount: number;
}

/** Builds an empty store; `now` (milliseconds) decides expiry and timestamps. */
export function createM2MTokenStore(now: () => number): M2MTokenStore {
  const byId = new Map<string, Stored>();
  const idByHash = new Map<string, string>();
  const toJson = (s: Stored): M2MTokenJson => ({
    ...s.json,
    scopes: [...s.json.scopes],
    expired: s.json.expiration !== null && s.json.expiration <= now(),
  });

  return {
    async add(input) {
      // Clerk's example token is `mt_` and 32 characters; the stand-in mints that shape.
      const token = input.token ?? `mt_${randomString(BASE62_ALPHABET, 32)}`;
      const at = now();
      const stored: Stored = {
        json: {
          object: "machine_to_machine_token",
          id: input.id ?? `mt_${randomHex(16)}`,
          subject: input.subject ?? `mch_${randomString(BASE62_ALPHABET, 27)}`,
          claims: null,
          scopes: [],
          revoked: false,
          revocation_reason: null,
          expiration: input.expiration ?? null,
          last_used_at: null,
          created_at: at,
          updated_at: at,
        },
        sha256: await sha256Hex(token),
        revokeCount: 0,
        verifyCount: 0,
      };
      byId.set(stored.json.id, stored);
      idByHash.set(stored.sha256, stored.json.id);
      return { json: toJson(stored), token };
    },
    async verify(token, answeredDead) {
      const id = idByHash.get(await sha256Hex(token));
      const stored = id === undefined ? undefined : byId.get(id);
      if (!stored) return { found: "none" };
      const json = toJson(stored);
      if (json.revoked || json.expired) {
        if (answeredDead) stored.verifyCount++;
        return { found: "dead", token: json };
      }
      stored.verifyCount++;
      stored.json.last_used_at = now();
      return { found: "live", token: toJson(stored) };
    },
    revoke(id, reason) {
      const stored = byId.get(id);
      if (!stored) return undefined;
      stored.revokeCount++;
      if (stored.json.revoked) return { found: "already_revoked", token: toJson(stored) };
      stored.json.revoked = true;
      stored.json.revocation_reason = reason;
      stored.json.updated_at = now();
      return { found: "revoked_now", token: toJson(stored) };
    },
    states: () =>
      [...byId.values()].map((s) => ({
        ...toJson(s),
        revoke_count: s.revokeCount,
        verify_count: s.verifyCount,
      })),
    clear() {
      byId.clear();
      idByHash.clear();
    },
  };
}
