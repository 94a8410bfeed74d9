/**
 * @module
 * One call to Clerk through the SDK, as every credential kind's gateway makes it: under a timeout, its error classified
 * (domain/clerk-failure.ts), its answer validated with valibot. A 2xx that does not parse is Clerk misbehaving, not an
 * answer: retryable, never read as a verdict.
 */
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import * as v from "valibot";
import { type ClerkFailure, classifyClerkError } from "../domain/clerk-failure";
import { err, ok, type Result } from "../lib/result";

/**
 * Per call. The SDK takes no AbortSignal, so the timeout races the call; the orphaned request dies
 * with the invocation. Well under the alert deadline, so one hung call cannot eat it.
 */
export const CLERK_CALL_TIMEOUT_MS = 5_000;

class ClerkTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClerkTimeout()), ms);
  });
  // Typed for both runtimes (workerd's clearTimeout takes no `undefined`; the contract test runs this in Node).
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/** Whether an error entry is in Clerk's published shape (`ClerkError`): a non-empty `code` and a `message`. */
export const clerkShaped = (
  e: { code?: unknown; message?: unknown } | undefined,
): e is { code: string; message: string } =>
  typeof e?.code === "string" && e.code !== "" && typeof e.message === "string";

function toFailure(error: unknown): ClerkFailure {
  if (error instanceof ClerkTimeout) return { kind: "retryable", reason: "clerk_timeout" };
  if (isClerkAPIResponseError(error)) {
    return classifyClerkError({
      status: error.status,
      retryAfterSeconds: error.retryAfter,
      traceId: error.clerkTraceId || undefined,
      // The SDK parses a body only when it is exactly `application/json` and holds `errors`; anything else (a
      // proxy's HTML 404, a wrong path) leaves `errors` empty. Clerk's published `ClerkError` requires a `code` and a
      // `message`: without both, the body is not Clerk's answer, so no code is passed on.
      ...(clerkShaped(error.errors[0]) ? { code: error.errors[0].code } : {}),
    });
  }
  return { kind: "retryable", reason: "clerk_unexpected_error" };
}

/** Runs `run` under `timeoutMs` and reads its answer with `schema`. */
export async function callClerk<S extends v.GenericSchema>(
  schema: S,
  timeoutMs: number,
  run: () => Promise<unknown>,
): Promise<Result<v.InferOutput<S>, ClerkFailure>> {
  let answer: unknown;
  try {
    answer = await withTimeout(run(), timeoutMs);
  } catch (error) {
    return err(toFailure(error));
  }
  const parsed = v.safeParse(schema, answer);
  return parsed.success ? ok(parsed.output) : err({ kind: "retryable", reason: "clerk_unreadable_response" });
}

/** An id that would not be valid in a path: refused before any call (the SDK does not URL-encode ids). */
export const invalidId = (reason: string) =>
  Promise.resolve(err({ kind: "final", reason, status: 400 } as const));
