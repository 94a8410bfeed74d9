/**
 * @module
 * The log of Clerk API requests one stand-in instance saw, for tests to assert on. It keeps only the SHA-256 of a
 * verified secret, never the secret: the log is served over HTTP and printed in failing tests.
 */
import type { ClerkFault, ClerkOperation } from "./fault-script.ts";

/** One Clerk API request as the stand-in saw it. Never holds a raw secret. */
export interface ClerkCall {
  seq: number;
  at: number;
  method: string;
  path: string;
  operation: ClerkOperation | "unknown";
  /** Final status; 0 while the request is still in flight (e.g. hanging). */
  status: number;
  /**
   * The path's id, when it has one: a key's, an M2M token's, a machine's, an OAuth application's, a user's or an
   * organization's.
   */
  keyId?: string;
  /**
   * Verify and OAuth `revoke_token` only: lowercase hex SHA-256 of the submitted `secret`, `token` or `access_token`.
   */
  secretSha256?: string;
  /** Revoke (but not OAuth `revoke_token`, whose body is a token), rotate and create only: the parsed JSON body. */
  body?: unknown;
  /** Set when a scripted fault answered or delayed this request. */
  fault?: ClerkFault;
}

/** What is known of a request when it arrives. */
export type ArrivingCall = Pick<ClerkCall, "method" | "path" | "operation" | "keyId">;

/** The call log of one stand-in instance. */
export interface CallLog {
  /**
   * Appends a call in flight (status 0) and returns the entry itself, which the caller completes as the request
   * proceeds: a test looking at the log mid-request sees it in flight.
   */
  record(call: ArrivingCall): ClerkCall;
  /** The live entries, oldest first. */
  entries(): readonly ClerkCall[];
  clear(): void;
}

/** Builds an empty log; `now` (milliseconds) stamps each entry. */
export function createCallLog(now: () => number): CallLog {
  let log: ClerkCall[] = [];
  let seq = 0;
  return {
    record({ method, path, operation, keyId }) {
      const call: ClerkCall = { seq: ++seq, at: now(), method, path, operation, status: 0 };
      if (keyId !== undefined) call.keyId = keyId;
      log.push(call);
      return call;
    },
    entries: () => log,
    clear() {
      log = [];
      seq = 0;
    },
  };
}
