/**
 * @module
 * A sender's public keys, fetched from its key list URL and trusted for `KEYS_CACHE_TTL_MS`, so a key the sender
 * withdraws stops verifying within that time. When a refetch fails the last good list is served (and logged): a
 * key server outage must not turn every alert into a 503. On an unknown key id it refetches once, at most once per
 * cool-down: forged requests with random key ids must not be able to spend the Worker's share of the sender's API
 * rate limit (GitHub allows 60 unauthenticated requests an hour per address).
 */
import type { Logger } from "../lib/log";
import { err, ok, type Result } from "../lib/result";
import { type KeyEntry, parseKeyList } from "./key-list";
import { importEcdsaPublicKey } from "./pem";
import { readLimitedText } from "./read-limited-text";

/** Outbound timeout for one key list fetch, body included. */
export const KEYS_FETCH_TIMEOUT_MS = 5_000;
/**
 * Minimum time between two refetches of the list (every fetch after the first, whatever triggered it and whether it
 * succeeded). The first fetch does not start the clock, so a key rotated in just after an isolate starts is still
 * found at once.
 */
export const KEYS_REFETCH_COOLDOWN_MS = 60_000;
/** How long a fetched list is trusted before it is fetched again (PyPI's figure). */
export const KEYS_CACHE_TTL_MS = 30 * 60_000;
/** Why a fetch brought no list, for the logs: `status_<code>`, or one of these. */
type FetchFailure =
  | `status_${number}`
  | "timeout"
  | "network_error"
  | "unreadable_body"
  | "invalid_json"
  | "invalid_key_list";

/** GitHub's list is under 1 KiB; anything far larger is not a key list. */
export const KEYS_MAX_RESPONSE_BYTES = 256 * 1024;

/** Why no key: the id is not in the list (or its key is unusable), or the list could not be fetched. */
export type KeyLookupError = "unknown_key" | "keys_unavailable";

/** Looks up verify keys by key id. */
export interface KeyCache {
  /** The verify key for `keyId` (compared as lowercase hex). */
  get(keyId: string): Promise<Result<CryptoKey, KeyLookupError>>;
}

/** What the cache needs from the outside world. */
export interface KeyCacheDeps {
  /** The key list URL, e.g. `https://api.github.com/meta/public_keys/secret_scanning`. */
  url: string;
  /** Optional bearer token; GitHub's rate limit is higher with one. */
  token?: string;
  fetch: typeof fetch;
  /** Milliseconds since the epoch; injected so tests control the cool-down and the TTL. */
  now: () => number;
  /** Told when a fetch fails, and when a list past its TTL is served because the refetch failed. */
  log: Pick<Logger, "warn">;
  cacheTtlMs?: number;
  refetchCooldownMs?: number;
  fetchTimeoutMs?: number;
}

/** One listed key: its PEM text and, once asked for, the import of it (shared by concurrent callers). */
type CachedKey = { pem: string; imported?: Promise<CryptoKey | undefined> };

/** Builds a key cache; its state lives as long as the returned object (in practice, the isolate). */
export function createKeyCache(deps: KeyCacheDeps): KeyCache {
  const cooldownMs = deps.refetchCooldownMs ?? KEYS_REFETCH_COOLDOWN_MS;
  const timeoutMs = deps.fetchTimeoutMs ?? KEYS_FETCH_TIMEOUT_MS;
  const ttlMs = deps.cacheTtlMs ?? KEYS_CACHE_TTL_MS;
  // The host names the list in logs; the full URL could carry a partner's private path.
  const host = new URL(deps.url).host;
  let keys: Map<string, CachedKey> | undefined;
  /** When the list in `keys` was fetched. */
  let fetchedAt = 0;
  let inFlight: Promise<boolean> | undefined;
  let lastRefetchAt: number | undefined;
  let fetches = 0;

  async function fetchList(): Promise<Result<KeyEntry[], FetchFailure>> {
    const headers = new Headers({ Accept: "application/json", "User-Agent": "autorevoke" });
    if (deps.token) headers.set("Authorization", `Bearer ${deps.token}`);
    let response: Response;
    try {
      response = await deps.fetch(deps.url, {
        method: "GET",
        headers,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return err(error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network_error");
    }
    if (!response.ok) {
      await response.body?.cancel();
      const failure: FetchFailure = `status_${response.status}`;
      return err(failure);
    }
    // A timeout while the body streams surfaces here as an unreadable body.
    const text = await readLimitedText(response, KEYS_MAX_RESPONSE_BYTES);
    if (text === undefined) return err("unreadable_body");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return err("invalid_json");
    }
    const list = parseKeyList(json);
    return list.ok ? list : err("invalid_key_list");
  }

  /** Replaces the list; keys whose PEM did not change keep their imported CryptoKey. */
  function install(entries: KeyEntry[]): void {
    const next = new Map<string, CachedKey>();
    for (const entry of entries) {
      const previous = keys?.get(entry.key_identifier);
      next.set(entry.key_identifier, previous?.pem === entry.key ? previous : { pem: entry.key });
    }
    // Keys dropped from the list stop being trusted: the sender has retired them.
    keys = next;
  }

  /** Whether the list has outlived its TTL (a missing list is not expired: it is simply absent). */
  function expired(): boolean {
    return keys !== undefined && deps.now() - fetchedAt >= ttlMs;
  }

  /** Fetches the list, or joins the fetch already under way. Resolves to whether it succeeded. */
  function refresh(): Promise<boolean> {
    if (inFlight !== undefined) return inFlight;
    if (fetches > 0) lastRefetchAt = deps.now();
    fetches++;
    inFlight = fetchList()
      .then((entries) => {
        if (entries.ok) {
          install(entries.value);
          fetchedAt = deps.now();
          return true;
        }
        // A failed fetch keeps the previous list: a key server outage must not unlearn known keys. Past the TTL that
        // means trusting a list the sender may have changed, which an operator should see.
        if (expired()) {
          deps.log.warn("key_list_stale", { host, reason: entries.error, age_ms: deps.now() - fetchedAt });
        } else {
          deps.log.warn("key_list_fetch_failed", { host, reason: entries.error });
        }
        return false;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  /** The first fetch is always allowed, and so is the first refetch; after that, one per cool-down. */
  function mayFetch(): boolean {
    return lastRefetchAt === undefined || deps.now() - lastRefetchAt >= cooldownMs;
  }

  async function importKey(entry: CachedKey): Promise<Result<CryptoKey, KeyLookupError>> {
    entry.imported ??= importEcdsaPublicKey(entry.pem);
    const key = await entry.imported;
    // A listed key that does not import (wrong curve, bad PEM) can verify nothing: treat it as unknown.
    return key === undefined ? err("unknown_key") : ok(key);
  }

  return {
    async get(keyId) {
      const id = keyId.toLowerCase();
      if (inFlight !== undefined) await inFlight;
      // Past the TTL, refetch before answering; when that fails (or the cool-down forbids it), the old list serves.
      if (expired() && mayFetch()) await refresh();
      const cached = keys?.get(id);
      if (cached !== undefined) return importKey(cached);
      if (!mayFetch()) return err(keys === undefined ? "keys_unavailable" : "unknown_key");
      const fetched = await refresh();
      const entry = keys?.get(id);
      if (entry !== undefined) return importKey(entry);
      return err(fetched ? "unknown_key" : "keys_unavailable");
    },
  };
}
