/**
 * @module
 * A sender's public keys, fetched from its key list URL and cached for the isolate's life. On an unknown key id it
 * refetches once, at most once per cool-down: forged requests with random key ids must not be able to spend the
 * Worker's share of the sender's API rate limit (GitHub allows 60 unauthenticated requests an hour per address).
 */
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
/** GitHub's list is under 1 KiB; anything far larger is not a key list. */
export const KEYS_MAX_RESPONSE_BYTES = 256 * 1024;

/** Why no key: the id is not in the list (or its key is unusable), or the list could not be fetched. */
export type KeyLookupError = "unknown_key" | "keys_unavailable";

/** Looks up verify keys by key id. */
export interface KeyCache {
  /** The verify key for `keyId` (compared as lowercase hex). */
  get(keyId: string): Promise<Result<CryptoKey, KeyLookupError>>;
  /** How many times the list has been fetched: for tests and metrics. */
  fetchCount(): number;
}

/** What the cache needs from the outside world. */
export interface KeyCacheDeps {
  /** The key list URL, e.g. `https://api.github.com/meta/public_keys/secret_scanning`. */
  url: string;
  /** Optional bearer token; GitHub's rate limit is higher with one. */
  token?: string;
  fetch: typeof fetch;
  /** Milliseconds since the epoch; injected so tests control the cool-down. */
  now: () => number;
  refetchCooldownMs?: number;
  fetchTimeoutMs?: number;
}

/** One listed key: its PEM text and, once asked for, the import of it (shared by concurrent callers). */
type CachedKey = { pem: string; imported?: Promise<CryptoKey | undefined> };

/** Builds a key cache; its state lives as long as the returned object (in practice, the isolate). */
export function createKeyCache(deps: KeyCacheDeps): KeyCache {
  const cooldownMs = deps.refetchCooldownMs ?? KEYS_REFETCH_COOLDOWN_MS;
  const timeoutMs = deps.fetchTimeoutMs ?? KEYS_FETCH_TIMEOUT_MS;
  let keys: Map<string, CachedKey> | undefined;
  let inFlight: Promise<boolean> | undefined;
  let lastRefetchAt: number | undefined;
  let fetches = 0;

  async function fetchList(): Promise<KeyEntry[] | undefined> {
    const headers = new Headers({ Accept: "application/json", "User-Agent": "autorevoke" });
    if (deps.token) headers.set("Authorization", `Bearer ${deps.token}`);
    try {
      const response = await deps.fetch(deps.url, {
        method: "GET",
        headers,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      const text = await readLimitedText(response, KEYS_MAX_RESPONSE_BYTES);
      if (text === undefined) return undefined;
      const list = parseKeyList(JSON.parse(text));
      return list.ok ? list.value : undefined;
    } catch {
      // Network error, timeout or invalid JSON: all mean "no list this time".
      return undefined;
    }
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

  /** Fetches the list, or joins the fetch already under way. Resolves to whether it succeeded. */
  function refresh(): Promise<boolean> {
    if (inFlight !== undefined) return inFlight;
    if (fetches > 0) lastRefetchAt = deps.now();
    fetches++;
    inFlight = fetchList()
      .then((entries) => {
        // A failed fetch keeps the previous list: a key server outage must not unlearn known keys.
        if (entries === undefined) return false;
        install(entries);
        return true;
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
      const cached = keys?.get(id);
      if (cached !== undefined) return importKey(cached);
      if (!mayFetch()) return err(keys === undefined ? "keys_unavailable" : "unknown_key");
      const fetched = await refresh();
      const entry = keys?.get(id);
      if (entry !== undefined) return importKey(entry);
      return err(fetched ? "unknown_key" : "keys_unavailable");
    },
    fetchCount: () => fetches,
  };
}
