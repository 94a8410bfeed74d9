/**
 * @module
 * The Clerk adapter: `verify(secret)` and `revoke(keyId)` through the official `@clerk/backend` SDK,
 * each with a timeout, each returning a `Result` whose error is already classified.
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

const ApiKeySchema = v.object({
  id: ClerkKeyIdSchema,
  subject: v.string(),
  name: v.string(),
  revoked: v.boolean(),
});

/** What we keep of a Clerk API key. */
export type ClerkKey = v.InferOutput<typeof ApiKeySchema>;

/** The two Clerk operations autorevoke needs. */
export interface ClerkGateway {
  verify(secret: string): Promise<Result<ClerkKey, ClerkFailure>>;
  revoke(keyId: string, reason: string): Promise<Result<ClerkKey, ClerkFailure>>;
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
      code: error.errors[0]?.code,
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

  return {
    verify: (secret) => call(() => clerk.apiKeys.verify(secret)),
    revoke: (keyId, reason) => {
      // Validated before use in a path: the SDK does not URL-encode ids.
      if (!v.is(ClerkKeyIdSchema, keyId)) {
        return Promise.resolve(err({ kind: "final", reason: "invalid_key_id", status: 400 }));
      }
      return call(() => clerk.apiKeys.revoke({ apiKeyId: keyId, revocationReason: reason }));
    },
  };
}
