/**
 * @module
 * What every sender's signature scheme answers: the request is authentic, or a tagged reason it is
 * not. The route maps reasons to HTTP in one place; callers never learn which check failed.
 */
import type { Result } from "../lib/result";

/** Why an alert was not verified. */
export type VerifyErrorKind =
  | "missing_headers"
  | "unknown_key"
  | "keys_unavailable"
  | "malformed_signature"
  | "bad_signature"
  | "stale_timestamp";

/** A verification failure, tagged for one exhaustive mapping to HTTP. */
export type VerifyError = { kind: VerifyErrorKind };

/** Checks the signature headers against the raw body bytes. */
export type AlertVerifier = (headers: Headers, body: ArrayBuffer) => Promise<Result<void, VerifyError>>;
