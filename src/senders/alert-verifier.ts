/**
 * @module
 * What every sender's signature scheme answers: the request is authentic, or a tagged reason it is
 * not. The route maps reasons to HTTP in one place; callers never learn which check failed.
 */
import { err, type Result } from "../lib/result";

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

/** The second stage: checks the raw body against the signature the headers carried. */
export type VerifyBody = (body: ArrayBuffer) => Promise<Result<void, VerifyError>>;

/**
 * A sender's scheme in two stages. The first reads the headers alone and is synchronous, so a request without a
 * usable signature is refused before its body (up to 5 MiB) is read at all; it hands back the second stage.
 */
export type AlertVerifier = (headers: Headers) => Result<VerifyBody, VerifyError>;

/** Both stages, for callers that already hold the body (tests, benchmarks). */
export async function verifyAlert(
  verifier: AlertVerifier,
  headers: Headers,
  body: ArrayBuffer,
): Promise<Result<void, VerifyError>> {
  const signed = verifier(headers);
  return signed.ok ? signed.value(body) : err(signed.error);
}
