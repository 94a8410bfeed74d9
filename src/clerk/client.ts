/**
 * @module
 * The Clerk adapter: `verify(secret)`, `revoke(keyId)` and `lookup(keyId)` through the official `@clerk/backend` SDK,
 * each with a timeout, each returning a `Result` whose error is already classified. Every field Clerk's published
 * answer carries that changes a verdict is read: `revoked`, `revocation_reason`, `expired`, `expiration`. A verify that
 * answers 200 is not proof of a live key (Clerk's OpenAPI lets it answer 200 for a revoked or expired one).
 */
import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import * as v from "valibot";
import { type ClerkFailure, classifyClerkError } from "../domain/clerk-failure";
import { ClerkKeyIdSchema } from "../domain/clerk-ids";
import { err, ok, type Result } from "../lib/result";

/**
 * Per call. The SDK takes no AbortSignal, so the timeout races the call; the orphaned request dies
 * with the invocation. Well under the alert deadline, so one hung call cannot eat it.
 */
export const CLERK_CALL_TIMEOUT_MS = 5_000;

/**
 * Clerk's APIKey object as the SDK hands it over (camelCase). `revoked` and `expired` are required in Clerk's OpenAPI;
 * an answer without them is unreadable, never read as "live". The reason and expiration are nullable there.
 */
const ApiKeySchema = v.object({
  id: ClerkKeyIdSchema,
  subject: v.string(),
  name: v.string(),
  revoked: v.boolean(),
  expired: v.boolean(),
  revocationReason: v.optional(v.nullable(v.string()), null),
  expiration: v.optional(v.nullable(v.number()), null),
});

/** What we keep of a Clerk API key. */
export type ClerkKey = v.InferOutput<typeof ApiKeySchema>;

/** The Clerk operations autorevoke needs. */
export interface ClerkGateway {
  /** The key a secret belongs to, live or not (see `revoked` and `expired`). */
  verify(secret: string): Promise<Result<ClerkKey, ClerkFailure>>;
  revoke(keyId: string, reason: string): Promise<Result<ClerkKey, ClerkFailure>>;
  /** `GET /api_keys/{id}`: what Clerk holds of a key now, to decide after a refused revoke. */
  lookup(keyId: string): Promise<Result<ClerkKey, ClerkFailure>>;
}

/** Dependencies of the gateway. */
export interface ClerkGatewayOptions {
  secretKey: string;
  apiUrl: string;
  timeoutMs?: number;
}

class ClerkTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClerkTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function toFailure(error: unknown): ClerkFailure {
  if (error instanceof ClerkTimeout) return { kind: "retryable", reason: "clerk_timeout" };
  if (isClerkAPIResponseError(error)) {
    return classifyClerkError({
      status: error.status,
      retryAfterSeconds: error.retryAfter,
      traceId: error.clerkTraceId || undefined,
      // The SDK parses a body only when it is exactly `application/json` and holds `errors`; anything else (a
      // proxy's HTML 404, a wrong path) leaves `errors` empty, so the code is absent: not Clerk's answer.
      code: typeof error.errors[0]?.code === "string" ? error.errors[0].code : undefined,
    });
  }
  return { kind: "retryable", reason: "clerk_unexpected_error" };
}

/** Builds the gateway over one SDK client. */
export function createClerkGateway(options: ClerkGatewayOptions): ClerkGateway {
  const clerk = createClerkClient({ secretKey: options.secretKey, apiUrl: options.apiUrl });
  const timeoutMs = options.timeoutMs ?? CLERK_CALL_TIMEOUT_MS;

  async function call(run: () => Promise<unknown>): Promise<Result<ClerkKey, ClerkFailure>> {
    let answer: unknown;
    try {
      answer = await withTimeout(run(), timeoutMs);
    } catch (error) {
      return err(toFailure(error));
    }
    const parsed = v.safeParse(ApiKeySchema, answer);
    // A 2xx we cannot read is Clerk misbehaving, not an answer: try again later.
    return parsed.success
      ? ok(parsed.output)
      : err({ kind: "retryable", reason: "clerk_unreadable_response" });
  }

  /** Validated before use in a path: the SDK does not URL-encode ids. */
  const byId = (keyId: string, run: () => Promise<unknown>) =>
    v.is(ClerkKeyIdSchema, keyId)
      ? call(run)
      : Promise.resolve(err({ kind: "final", reason: "invalid_key_id", status: 400 } as const));

  return {
    verify: (secret) => call(() => clerk.apiKeys.verify(secret)),
    revoke: (keyId, reason) =>
      byId(keyId, () => clerk.apiKeys.revoke({ apiKeyId: keyId, revocationReason: reason })),
    lookup: (keyId) => byId(keyId, () => clerk.apiKeys.get(keyId)),
  };
}
