/**
 * Sealed secrets as versions before SEALING_KEYS wrote them (`v1.<iv>.<ciphertext>`): AES-256-GCM under a key derived
 * with HKDF-SHA-256 from CLERK_SECRET_KEY (salt "autorevoke", info "autorevoke/sealed-secret/v1"), the token hash as
 * associated data. Written out here, not imported from src/, so it stays what D1 already holds whatever src/ becomes.
 */
import { toBase64 } from "../../src/lib/encoding";

const encoder = new TextEncoder();

/** `token` sealed for the row `tokenHash` as the pre-keyring Worker did under `clerkSecretKey`. */
export async function legacySeal(clerkSecretKey: string, token: string, tokenHash: string): Promise<string> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(clerkSecretKey), "HKDF", false, [
    "deriveKey",
  ]);
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: encoder.encode("autorevoke"),
      info: encoder.encode("autorevoke/sealed-secret/v1"),
    },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cipher = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(tokenHash) },
    key,
    encoder.encode(token),
  );
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(cipher))}`;
}
