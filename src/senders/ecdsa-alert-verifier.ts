/**
 * @module
 * Verifies a signed alert from any ECDSA sender (GitHub, GitLab, deps.dev): a sender is two header names and a key
 * cache. Checks run cheapest first, so a forged request costs no body read, key fetch or crypto when its headers
 * give it away: presence, length and DER shape before the body; key lookup and signature after. The error kind is for logs and for the route's status mapping (401, or 503 when keys are unavailable);
 * it must not be echoed to the caller.
 */
import { err, ok } from "../lib/result";
import type { AlertVerifier } from "./alert-verifier";
import { decodeEcdsaSignature, verifyEcdsaSignature } from "./ecdsa-signature";
import type { KeyCache } from "./key-cache";
import { MAX_KEY_IDENTIFIER_CHARS } from "./key-list";

/**
 * Longest signature header accepted: base64 of a DER P-256 signature is at most 96 characters (72 bytes);
 * this leaves slack without letting a huge header reach base64 decoding.
 */
export const MAX_SIGNATURE_HEADER_CHARS = 256;

/** What a verifier needs: where the keys come from and which headers carry the key id and signature. */
export interface EcdsaAlertVerifierDeps {
  keys: Pick<KeyCache, "get">;
  /** e.g. `Github-Public-Key-Identifier`; matched case-insensitively, as HTTP header names are. */
  identifierHeader: string;
  /** e.g. `Github-Public-Key-Signature`. */
  signatureHeader: string;
}

/** Builds the verifier for one sender. */
export function createEcdsaAlertVerifier(deps: EcdsaAlertVerifierDeps): AlertVerifier {
  return (headers) => {
    const keyId = headers.get(deps.identifierHeader);
    const signature = headers.get(deps.signatureHeader);
    if (!keyId || !signature) return err({ kind: "missing_headers" });
    if (signature.length > MAX_SIGNATURE_HEADER_CHARS) return err({ kind: "malformed_signature" });
    // Decode before the key lookup: a garbage signature must not cost a key list fetch.
    const decoded = decodeEcdsaSignature(signature);
    if (!decoded.ok) return err({ kind: decoded.error });
    // An over-long id cannot be in any list; answering here keeps it from triggering a refetch.
    if (keyId.length > MAX_KEY_IDENTIFIER_CHARS) return err({ kind: "unknown_key" });
    return ok(async (body) => {
      const key = await deps.keys.get(keyId);
      if (!key.ok) return err({ kind: key.error });
      const verified = await verifyEcdsaSignature(key.value, signature, body);
      return verified.ok ? verified : err({ kind: verified.error });
    });
  };
}
