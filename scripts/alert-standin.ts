/**
 * @module
 * What the local Clerk stand-in says about the tokens sent: its demo keys' state and the last verify call for every
 * other token. Only the local stack has a stand-in; anything it cannot answer is left out of the report, never an
 * error.
 */
import * as v from "valibot";
import { DEMO_KEYS, PROD_DEMO_KEYS } from "../dev/clerk-standin.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import type { Row } from "./alert-report.ts";
import type { SentToken } from "./alert-tokens.ts";

/** How long to wait for the stand-in's control API, which answers from memory. */
const STANDIN_TIMEOUT_MS = 3_000;

const StandinKeysSchema = v.array(
  v.object({
    id: v.string(),
    name: v.string(),
    revoked: v.boolean(),
    revocation_reason: v.nullable(v.string()),
    revoke_count: v.number(),
  }),
);
/** The keys the stand-in holds (their state, never their secrets). */
export type StandinKeys = v.InferOutput<typeof StandinKeysSchema>;

const StandinCallsSchema = v.array(
  v.object({ operation: v.string(), status: v.number(), secretSha256: v.optional(v.string()) }),
);
/** The Clerk calls the stand-in saw, verify calls identified by the secret's hash. */
export type StandinCalls = v.InferOutput<typeof StandinCallsSchema>;

const StandinM2MTokensSchema = v.array(v.object({ id: v.string(), revoked: v.boolean() }));
/** The M2M tokens the stand-in holds (their state, never their values). */
export type StandinM2MTokens = v.InferOutput<typeof StandinM2MTokensSchema>;

/** The stand-in's verify operations, which log the SHA-256 of the token they were given. */
const VERIFY_OPERATIONS: ReadonlySet<string> = new Set(["verify", "m2m_verify", "oauth_verify"]);

/** Reads the stand-in's control API at `baseUrl`; `""` means there is no stand-in to ask. */
export interface StandinClient {
  keys(): Promise<StandinKeys | undefined>;
  m2mTokens(): Promise<StandinM2MTokens | undefined>;
  calls(): Promise<StandinCalls | undefined>;
}

/** A client for the control API of the stand-in at `baseUrl` (`""` for none: every question answers undefined). */
export function createStandinClient(baseUrl: string): StandinClient {
  async function ask<T extends v.GenericSchema>(
    what: string,
    schema: T,
  ): Promise<v.InferOutput<T> | undefined> {
    if (!baseUrl) return undefined;
    try {
      const res = await fetch(`${baseUrl}/__standin/${what}`, {
        signal: AbortSignal.timeout(STANDIN_TIMEOUT_MS),
      });
      if (!res.ok) return undefined;
      const parsed = v.safeParse(schema, await res.json());
      return parsed.success ? parsed.output : undefined;
    } catch {
      return undefined;
    }
  }
  return {
    keys: () => ask("keys", StandinKeysSchema),
    m2mTokens: () => ask("m2m_tokens", StandinM2MTokensSchema),
    calls: () => ask("calls", StandinCallsSchema),
  };
}

/**
 * The rows (in the order of `sent`) with what the stand-in says added: a demo key's name and state, or the last
 * verify status the stand-in answered for that token.
 */
export async function withStandinNotes(
  rows: readonly Row[],
  sent: readonly SentToken[],
  keys: StandinKeys,
  calls: StandinCalls,
): Promise<Row[]> {
  const demoByHash = new Map<string, (typeof DEMO_KEYS)[number]>();
  for (const demo of [...DEMO_KEYS, ...PROD_DEMO_KEYS]) demoByHash.set(await sha256Hex(demo.secret), demo);
  const lastVerify = new Map<string, number>();
  for (const call of calls) {
    if (VERIFY_OPERATIONS.has(call.operation) && call.secretSha256)
      lastVerify.set(call.secretSha256, call.status);
  }
  return rows.map((row, i) => {
    const hash = sent[i]?.hash ?? "";
    const demo = demoByHash.get(hash);
    const state = demo && keys.find((k) => k.id === demo.id);
    const verify = lastVerify.get(hash);
    const verified =
      verify === undefined
        ? "no Clerk call"
        : verify === 0
          ? "verify in flight"
          : `verify answered ${verify}${verify === 404 ? " (unknown secret)" : ""}`;
    if (!state) return { ...row, standin: verified };
    const standin = state.revoked
      ? `${state.name}: revoked ("${state.revocation_reason ?? ""}", revoke calls: ${state.revoke_count})`
      : `${state.name}: live${verify === undefined ? "" : `, last ${verified}`}`;
    return { ...row, standin };
  });
}

/**
 * Said when every demo key is revoked already: the alert resends one, and the Worker answers from its incident log
 * without asking Clerk. How to get a live key instead, at the stand-in at `standinUrl`.
 */
export function allRevokedNote(standinUrl: string): string {
  return (
    "Every demo key is revoked already, so this resends the first one and the Worker answers from its " +
    "incident log.\nFor a fresh live key: curl -X POST " +
    `${standinUrl}/instances/staging/__standin/keys -d '{}' (npm start's two instances; ` +
    `${standinUrl}/__standin/keys with one) and pass its secret with --token; or stop npm start and delete ` +
    ".wrangler/state.\n"
  );
}
