/**
 * @module
 * The fault script: a queue of scripted failures that Clerk requests consume in arrival order, so a test can say
 * "the next two verifies answer 503, then one 429" and get exactly that, however its requests interleave.
 */
import * as v from "valibot";

/** The Clerk operations the stand-in serves; a fault's `path` filter names one of them. */
export type ClerkOperation =
  | "verify"
  | "revoke"
  | "get"
  | "create"
  | "m2m_verify"
  | "m2m_revoke"
  | "machines_list"
  | "machine_secret"
  | "machine_rotate"
  | "oauth_apps_list"
  | "oauth_verify"
  | "oauth_revoke"
  | "jwks"
  | "user_get"
  | "org_memberships";

const OperationSchema = v.picklist([
  "verify",
  "revoke",
  "get",
  "create",
  "m2m_verify",
  "m2m_revoke",
  "machines_list",
  "machine_secret",
  "machine_rotate",
  "oauth_apps_list",
  "oauth_verify",
  "oauth_revoke",
  "jwks",
  "user_get",
  "org_memberships",
]);
const TimesSchema = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)));

/**
 * One entry of a fault script. Entries are consumed in order: each Clerk request takes the first entry whose `path`
 * matches it (any request when `path` is absent), `times` requests per entry (default 1).
 * - `{ status }`: answer that status with a `ClerkErrors` body and no effect; `retryAfterSeconds` sets `Retry-After`
 *   (a 429 always carries one).
 * - `{ hangMs }`: the request never reaches Clerk; after `hangMs` it answers 504, no effect. With `afterEffect` the
 *   operation is applied first and only the answer hangs (the "revoked, but the response was lost" case).
 */
export const ClerkFaultSchema = v.union([
  v.strictObject({
    status: v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599)),
    retryAfterSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    times: TimesSchema,
    path: v.optional(OperationSchema),
  }),
  v.strictObject({
    hangMs: v.pipe(v.number(), v.minValue(0)),
    afterEffect: v.optional(v.boolean()),
    times: TimesSchema,
    path: v.optional(OperationSchema),
  }),
]);
export type ClerkFault = v.InferOutput<typeof ClerkFaultSchema>;

/** A script as the control API takes it: the bare list, or `{ "faults": [...] }`. */
export const ClerkFaultScriptSchema = v.pipe(
  v.union([v.array(ClerkFaultSchema), v.strictObject({ faults: v.array(ClerkFaultSchema) })]),
  v.transform((script) => (Array.isArray(script) ? script : script.faults)),
);

/** The script of one stand-in instance. */
export interface FaultScript {
  /** Replaces the script. */
  replace(faults: readonly ClerkFault[]): void;
  /**
   * Consumes one use of the first entry that applies to `operation`. Synchronous on purpose: callers take it on a
   * request's arrival, before any await, so concurrent requests consume the script in arrival order.
   */
  take(operation: ClerkOperation): ClerkFault | undefined;
  /** Copies of the unconsumed entries. */
  pending(): ClerkFault[];
}

/** Builds an empty script. */
export function createFaultScript(): FaultScript {
  let faults: ClerkFault[] = [];
  return {
    replace(next) {
      faults = next.map((f) => ({ ...f }));
    },
    take(operation) {
      const index = faults.findIndex((f) => f.path === undefined || f.path === operation);
      const fault = faults[index];
      if (fault === undefined) return undefined;
      const left = (fault.times ?? 1) - 1;
      if (left > 0) faults[index] = { ...fault, times: left };
      else faults.splice(index, 1);
      return fault;
    },
    pending: () => faults.map((f) => ({ ...f })),
  };
}
