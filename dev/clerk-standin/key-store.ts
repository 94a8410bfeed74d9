/**
 * @module
 * The stand-in's API keys and what Clerk does to them: add, verify, revoke, look up. Secrets are kept only as SHA-256,
 * so neither the store nor anything read from it can hand a raw secret back after creation. What the HTTP answer is
 * (404 or 200 for a dead key, 200 or 400 for a second revoke) is the modes' business (modes.ts, clerk-api.ts); the
 * store reports what it found.
 *
 * Choices where the spec is silent (not checked against the live API):
 * - A key is dead once revoked or past its `expiration`; `get` and every APIKey answer say which (`revoked`,
 *   `revocation_reason`, `expired`), whatever the modes.
 * - Verify of a live key sets `last_used_at` and counts in `verify_count`. Verify of a dead key never sets
 *   `last_used_at` (a dead key cannot be used) and counts only when it is answered 200 (`dead_keys: flagged`):
 *   `verify_count` is the number of 200 answers to a verify of this key.
 * - Revoking an already revoked key changes nothing (first reason and `updated_at` kept), whether it is answered 200
 *   (`second_revoke: idempotent`, the usual answer to a state transition already done) or 400 (`refused`).
 *   `revoke_count` counts every authenticated, well-formed revoke of the key, whatever it was answered: a test can
 *   see that a second revoke was sent even when it was refused.
 * - Expiry does not stop a revoke: an expired key can still be revoked, and then it is both.
 */
import * as v from "valibot";
import type { ApiKeyJson } from "../clerk-schemas.ts";
import { BASE62_ALPHABET, randomHex, randomString, sha256Hex } from "../standin-util.ts";

/** Length of the random part of generated secrets (`ak_` + base62). Clerk publishes no length or alphabet. */
export const SECRET_RANDOM_CHARS = 40;

const ISSUED_SECRET = new RegExp(`^ak_[0-9A-Za-z]{${SECRET_RANDOM_CHARS}}$`);

/**
 * Whether `secret` has the shape of the secrets the stand-in generates: `ak_` and exactly `SECRET_RANDOM_CHARS`
 * base62 characters. Anything else is "odd" (`odd_secrets`); a stored key's secret verifies whatever its shape.
 */
export function isIssuedSecretShape(secret: string): boolean {
  return ISSUED_SECRET.test(secret);
}

/** Input for a key created on the control side (not through Clerk's `POST /api_keys`). */
export const StandinKeyInputSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.minLength(1))),
  subject: v.optional(v.pipe(v.string(), v.regex(/^(user|org|mch)_\w{27}$/))),
  /** A chosen secret, e.g. to test unusual shapes; random `ak_` + base62 otherwise. */
  secret: v.optional(v.pipe(v.string(), v.minLength(1))),
  id: v.optional(v.pipe(v.string(), v.regex(/^ak_[0-9a-f]{32}$/))),
  description: v.optional(v.nullable(v.string())),
  scopes: v.optional(v.array(v.string())),
  claims: v.optional(v.unknown()),
  /** Expiry in milliseconds since the epoch; a past value makes the key expired. */
  expiration: v.optional(v.nullable(v.number())),
});
export type StandinKeyInput = v.InferInput<typeof StandinKeyInputSchema>;

/** A new key: the control API's input, plus what only Clerk's `POST /api_keys` sets. */
export interface NewKey extends StandinKeyInput {
  /** `api_key` unless given. */
  type?: string;
  createdBy?: string | null;
}

/** What creating a key hands back: the only time the raw secret is visible. */
export interface CreatedStandinKey {
  id: string;
  secret: string;
  name: string;
  subject: string;
}

/** A key as the control API reports it: the APIKey JSON plus counters. */
export type StandinKeyState = ApiKeyJson & { revoke_count: number; verify_count: number };

/** A key just added: its APIKey JSON and the only copy of its raw secret. */
export interface AddedKey {
  json: ApiKeyJson;
  secret: string;
}

/** What verify found for a secret: a live key, a dead (revoked or expired) one, or none. */
export type VerifyFinding =
  | { found: "live"; key: ApiKeyJson }
  | { found: "dead"; key: ApiKeyJson }
  | { found: "none" };

/** What revoke did to a stored key: revoked it now, or found it revoked already (then nothing changed). */
export interface RevokeFinding {
  found: "revoked_now" | "already_revoked";
  key: ApiKeyJson;
}

/** The keys of one stand-in instance. */
export interface KeyStore {
  /** Adds a key, replacing one with the same id. */
  add(key: NewKey): Promise<AddedKey>;
  /**
   * The key holding `secret`. A live key is marked used and counted; a dead one is counted only when `answeredDead`
   * (the caller answers it 200), and never marked used.
   */
  verify(secret: string, answeredDead: boolean): Promise<VerifyFinding>;
  /** Revokes the key once (later calls count but change nothing); `undefined` when there is no such key. */
  revoke(id: string, reason: string | null): RevokeFinding | undefined;
  get(id: string): ApiKeyJson | undefined;
  /** A key with its counters, or `undefined`. */
  state(id: string): StandinKeyState | undefined;
  /** Every key with its counters, oldest first. */
  states(): StandinKeyState[];
  clear(): void;
  /** Every key as stored (the secret only as its SHA-256), counters included, to be kept across runs. */
  records(): KeyRecord[];
  /** Replaces every key with `records` (as `records()` gave them). */
  load(records: readonly KeyRecord[]): void;
}

/** A key as the store holds it: never the raw secret, only its SHA-256. */
export const KeyRecordSchema = v.object({
  id: v.string(),
  secretSha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  type: v.string(),
  name: v.string(),
  subject: v.string(),
  description: v.nullable(v.string()),
  claims: v.unknown(),
  scopes: v.array(v.string()),
  createdBy: v.nullable(v.string()),
  revoked: v.boolean(),
  revocationReason: v.nullable(v.string()),
  expiration: v.nullable(v.number()),
  lastUsedAt: v.nullable(v.number()),
  createdAt: v.number(),
  updatedAt: v.number(),
  revokeCount: v.number(),
  verifyCount: v.number(),
});
export type KeyRecord = v.InferOutput<typeof KeyRecordSchema>;

/** Builds an empty store; `now` (milliseconds) decides expiry and timestamps. */
export function createKeyStore(now: () => number): KeyStore {
  const keys = new Map<string, KeyRecord>();
  const idBySecretHash = new Map<string, string>();

  const isExpired = (r: KeyRecord) => r.expiration !== null && r.expiration <= now();

  function toJson(r: KeyRecord): ApiKeyJson {
    return {
      object: "api_key",
      id: r.id,
      type: r.type,
      subject: r.subject,
      name: r.name,
      description: r.description,
      claims: r.claims,
      scopes: [...r.scopes],
      revoked: r.revoked,
      revocation_reason: r.revocationReason,
      expired: isExpired(r),
      expiration: r.expiration,
      created_by: r.createdBy,
      last_used_at: r.lastUsedAt,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    };
  }

  const toState = (r: KeyRecord): StandinKeyState => ({
    ...toJson(r),
    revoke_count: r.revokeCount,
    verify_count: r.verifyCount,
  });

  return {
    async add(key) {
      const secret = key.secret ?? `ak_${randomString(BASE62_ALPHABET, SECRET_RANDOM_CHARS)}`;
      const secretSha256 = await sha256Hex(secret);
      const at = now();
      const record: KeyRecord = {
        id: key.id ?? `ak_${randomHex(16)}`,
        secretSha256,
        type: key.type ?? "api_key",
        name: key.name ?? `standin-key-${randomString(BASE62_ALPHABET, 6)}`,
        subject: key.subject ?? `user_${randomString(BASE62_ALPHABET, 27)}`,
        description: key.description ?? null,
        claims: key.claims ?? null,
        scopes: key.scopes ?? [],
        createdBy: key.createdBy ?? null,
        revoked: false,
        revocationReason: null,
        expiration: key.expiration ?? null,
        lastUsedAt: null,
        createdAt: at,
        updatedAt: at,
        revokeCount: 0,
        verifyCount: 0,
      };
      const previous = keys.get(record.id);
      if (previous) idBySecretHash.delete(previous.secretSha256);
      keys.set(record.id, record);
      idBySecretHash.set(secretSha256, record.id);
      return { json: toJson(record), secret };
    },
    async verify(secret, answeredDead) {
      const id = idBySecretHash.get(await sha256Hex(secret));
      const record = id === undefined ? undefined : keys.get(id);
      if (!record) return { found: "none" };
      if (record.revoked || isExpired(record)) {
        if (answeredDead) record.verifyCount++;
        return { found: "dead", key: toJson(record) };
      }
      record.verifyCount++;
      record.lastUsedAt = now();
      return { found: "live", key: toJson(record) };
    },
    revoke(id, reason) {
      const record = keys.get(id);
      if (!record) return undefined;
      record.revokeCount++;
      if (record.revoked) return { found: "already_revoked", key: toJson(record) };
      record.revoked = true;
      record.revocationReason = reason;
      record.updatedAt = now();
      return { found: "revoked_now", key: toJson(record) };
    },
    get(id) {
      const record = keys.get(id);
      return record && toJson(record);
    },
    state(id) {
      const record = keys.get(id);
      return record && toState(record);
    },
    states: () => [...keys.values()].map(toState),
    clear() {
      keys.clear();
      idBySecretHash.clear();
    },
    records: () => [...keys.values()].map((r) => structuredClone(r)),
    load(records) {
      keys.clear();
      idBySecretHash.clear();
      for (const r of records) {
        keys.set(r.id, structuredClone(r));
        idBySecretHash.set(r.secretSha256, r.id);
      }
    },
  };
}
