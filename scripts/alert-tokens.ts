/**
 * @module
 * Which tokens `npm run alert` reports: the ones given, random secrets Clerk has never seen, or a demo key of the
 * local Clerk stand-in. Pure apart from the randomness of generated secrets.
 */
import { type CreatedStandinKey, DEMO_KEYS, PROD_DEMO_KEYS } from "../dev/clerk-standin.ts";
import { BASE62_ALPHABET, randomString, sha256Hex } from "../dev/standin-util.ts";

/** Random part of generated secrets: the Clerk stand-in's own shape (`ak_` + 40 base62). */
const RANDOM_SECRET_CHARS = 40;

/** A Clerk instance `npm start` runs. */
export type DemoInstance = "prod" | "staging";

/** A demo key's state as the Clerk stand-in reports it, as far as choosing one needs. */
export interface DemoKeyState {
  id: string;
  revoked: boolean;
}

/**
 * The demo keys to choose from: `npm start` runs two Clerk instances, `staging` holding `DEMO_KEYS` and `prod`
 * holding `PROD_DEMO_KEYS`; a one-instance stack holds `DEMO_KEYS` only.
 */
export function demoChoices(instance: DemoInstance | undefined): readonly CreatedStandinKey[] {
  switch (instance) {
    case "prod":
      return PROD_DEMO_KEYS;
    case "staging":
      return DEMO_KEYS;
    case undefined:
      return [...DEMO_KEYS, ...PROD_DEMO_KEYS];
  }
}

/** The demo key to send when no token is given, and whether every candidate is revoked already. */
export interface DemoPick {
  secret: string;
  allRevoked: boolean;
}

/**
 * The first candidate the stand-in holds live. With no stand-in to ask (`keys` undefined) the first candidate is
 * assumed live; when the stand-in holds none live, the first is resent and the Worker answers from its incident log.
 */
export function pickDemoSecret(
  choices: readonly CreatedStandinKey[],
  keys: readonly DemoKeyState[] | undefined,
): DemoPick | undefined {
  const live = choices.find((demo) => keys?.some((k) => k.id === demo.id && !k.revoked));
  const chosen = live ?? choices[0];
  return chosen && { secret: chosen.secret, allRevoked: keys !== undefined && live === undefined };
}

/** `count` secrets in the stand-in's shape that no Clerk instance knows. */
export function randomSecrets(count: number): string[] {
  return Array.from({ length: count }, () => `ak_${randomString(BASE62_ALPHABET, RANDOM_SECRET_CHARS)}`);
}

/**
 * The tokens of a `--count` run: the given ones first, then the random secrets shuffled among the staging demo
 * keys (when no token is given), so a big batch mixes live keys with unknown ones as a real leak would.
 */
export function batchTokens(given: readonly string[], count: number): string[] {
  const demo = given.length === 0 ? DEMO_KEYS.map((k) => k.secret) : [];
  return [...given, ...shuffle([...demo, ...randomSecrets(count)])];
}

/** Fisher-Yates with WebCrypto's randomness. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** A token as reported, with the hash the Worker labels it by. */
export interface SentToken {
  token: string;
  hash: string;
}

/** The Worker dedupes by SHA-256 of the token and labels by that hash: one entry per distinct token, in order. */
export async function distinctTokens(tokens: readonly string[]): Promise<SentToken[]> {
  const sent: SentToken[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    const hash = await sha256Hex(token);
    if (!seen.has(hash)) sent.push({ token, hash });
    seen.add(hash);
  }
  return sent;
}
