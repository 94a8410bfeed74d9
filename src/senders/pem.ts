/**
 * @module
 * PEM `PUBLIC KEY` (SPKI) text to a WebCrypto ECDSA P-256 verify key.
 */
import { fromBase64 } from "../lib/encoding";

/** Exactly one SPKI block, optional surrounding whitespace (GitHub serves a trailing newline). */
const PEM_PUBLIC_KEY = /^\s*-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----\s*$/;

/**
 * Imports a PEM SPKI public key for ECDSA P-256 / SHA-256 verification.
 * `undefined` when the text is not a single SPKI block or the key is not on P-256.
 */
export async function importEcdsaPublicKey(pem: string): Promise<CryptoKey | undefined> {
  const body = PEM_PUBLIC_KEY.exec(pem)?.[1];
  if (body === undefined) return undefined;
  const der = fromBase64(body.replace(/\s+/g, ""));
  if (der === undefined || der.length === 0) return undefined;
  try {
    // Not extractable, verify only: the key never needs to leave WebCrypto.
    return await crypto.subtle.importKey("spki", der, { name: "ECDSA", namedCurve: "P-256" }, false, [
      "verify",
    ]);
  } catch {
    return undefined;
  }
}
