/**
 * @module
 * Checks a base64 DER ECDSA P-256 / SHA-256 signature over the raw request body bytes.
 */
import { fromBase64 } from "../lib/encoding";
import { err, ok, type Result } from "../lib/result";
import { derToP1363 } from "./der";

/**
 * Decodes a base64 DER signature to the P1363 form WebCrypto verifies. Pure and cheap, so a caller can reject a
 * malformed signature before fetching any key.
 */
export function decodeEcdsaSignature(signatureBase64: string): Result<Uint8Array, "malformed_signature"> {
  const der = fromBase64(signatureBase64);
  if (der === undefined) return err("malformed_signature");
  const p1363 = derToP1363(der);
  return p1363.ok ? p1363 : err("malformed_signature");
}

/**
 * Verifies the signature over `body` exactly as received: never parse, re-serialise or trim the body first,
 * because the sender signed its bytes, not its meaning.
 */
export async function verifyEcdsaSignature(
  key: CryptoKey,
  signatureBase64: string,
  body: ArrayBuffer | Uint8Array,
): Promise<Result<void, "malformed_signature" | "bad_signature">> {
  const signature = decodeEcdsaSignature(signatureBase64);
  if (!signature.ok) return signature;
  const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature.value, body);
  return valid ? ok(undefined) : err("bad_signature");
}
