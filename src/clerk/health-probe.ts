/**
 * @module
 * The health probe: one cheap, authenticated, read-only Clerk call per instance, through the official `@clerk/backend`
 * SDK, with a timeout, reported as facts that src/domain/clerk-health.ts classifies.
 *
 * The call is `GET /api_keys/ak_000…0` (`clerk.apiKeys.get`, Clerk's `getApiKey` in
 * ../shared/reference/clerk-bapi-2026-05-12.yml). Why this one:
 * - The same path family as the calls that matter: the SDK calls `/api_keys/...` without `/v1`, as it does for verify
 *   and revoke, so a CLERK_API_URL that breaks them breaks this too, and one that serves this serves them.
 * - Authenticated with the instance's secret key, as every Backend API call is.
 * - It changes nothing and reads nothing of anyone's: the id is well formed (the spec's `^(ak|api_key)_[0-9A-Fa-f]{32}$`,
 *   so a 400 for a malformed id cannot stand in for the answer) and no key has it (Clerk's ids are random). The spec
 *   answers it 200 with the key, or 404 with Clerk's `errors` body; only Clerk's key route answers that 404.
 * - Not a verify of a made-up secret, which would do as well: verifies beyond Clerk's monthly allowance are billed, and
 *   this runs on every cron (every 5 minutes) for every instance.
 * - Not a list (`GET /api_keys`): it needs a real subject, and would carry key data back.
 *
 * Nothing of the answer is kept but its status and whether it is Clerk's shape; the secret key never leaves the SDK's
 * `Authorization` header.
 */
import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import * as v from "valibot";
import type { ProbeFacts } from "../domain/clerk-health";
import { settleWithin } from "../lib/settle";
import { CLERK_CALL_TIMEOUT_MS, clerkShaped } from "./call";

/** The key id the probe asks for: well formed, and held by no key. */
export const HEALTH_PROBE_KEY_ID = `ak_${"0".repeat(32)}`;

/**
 * Per probe: the same as every Clerk call (client.ts), so an instance that answers the probe in time answers
 * revocations in time too. The SDK takes no AbortSignal, so the timeout races the call; the orphaned request dies with
 * the invocation.
 */
export const HEALTH_PROBE_TIMEOUT_MS = CLERK_CALL_TIMEOUT_MS;

/** Asks one Clerk instance whether it answers, and takes our key. */
export interface ClerkHealthProbe {
  probe(): Promise<ProbeFacts>;
}

/** Dependencies of the probe. */
export interface ClerkHealthProbeOptions {
  secretKey: string;
  apiUrl: string;
  timeoutMs?: number;
}

/**
 * A 2xx is Clerk's key route only if it carries an API key in Clerk's shape: an id as the spec writes them (the SDK
 * hands over its APIKey object). Not necessarily the id asked for: a mock of the published API (Prism, in the contract
 * test) answers the spec's example key to every id, and a route that answers with Clerk's keys is Clerk's route.
 */
const ProbeKeySchema = v.object({ id: v.pipe(v.string(), v.regex(/^(ak|api_key)_[0-9A-Fa-f]{32}$/)) });

/** The facts of a failed call: an HTTP answer the SDK turned into an error, or no answer at all. */
function factsOf(error: unknown): ProbeFacts {
  // The SDK reports a fetch that threw (DNS, TLS, a reset, or an `application/json` body that does not parse) as an
  // error without a status.
  if (!isClerkAPIResponseError(error) || typeof error.status !== "number") {
    return { kind: "no_answer", reason: "network" };
  }
  // The SDK parses a body only when it is typed exactly `application/json` and holds `errors`; any other body (a
  // proxy's HTML, a plain-text 404) leaves `errors` empty: not Clerk's answer.
  const retryAfter = typeof error.retryAfter === "number" ? { retryAfterSeconds: error.retryAfter } : {};
  return { kind: "answered", status: error.status, clerkShaped: clerkShaped(error.errors[0]), ...retryAfter };
}

/** Builds the probe over its own SDK client. */
export function createClerkHealthProbe(options: ClerkHealthProbeOptions): ClerkHealthProbe {
  const clerk = createClerkClient({ secretKey: options.secretKey, apiUrl: options.apiUrl });
  const timeoutMs = options.timeoutMs ?? HEALTH_PROBE_TIMEOUT_MS;
  return {
    async probe() {
      const settled = await settleWithin(clerk.apiKeys.get(HEALTH_PROBE_KEY_ID), timeoutMs);
      // The SDK resolves on any 2xx without saying which; Clerk's route answers 200.
      if (settled.ok)
        return { kind: "answered", status: 200, clerkShaped: v.is(ProbeKeySchema, settled.value) };
      if (settled.reason === "timeout") return { kind: "no_answer", reason: "timeout", timeoutMs };
      return factsOf(settled.error);
    },
  };
}
