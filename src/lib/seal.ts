/**
 * @module
 * Sealing a secret at rest: AES-256-GCM under a key derived (HKDF-SHA-256) from a Worker secret, with
 * associated data binding each sealed value to its row, so a sealed value copied to another row will
 * not open. Whoever reads D1 or a queue without the Worker's secrets learns nothing.
 */
import { fromBase64, toBase64 } from "./encoding";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;
/** Version tag in the sealed text, so the scheme can change without guessing. */
const VERSION = "v1";

/** Seals and opens short secrets. */
export interface Sealer {
  seal(plaintext: string, associatedData: string): Promise<string>;
  /** The plaintext, or `undefined` when the value was tampered with or sealed under another key. */
  open(sealed: string, associatedData: string): Promise<string | undefined>;
}

/** Derives the sealing key from `keyMaterial` for one purpose (`info`). */
export function createSealer(keyMaterial: string, info: string): Sealer {
  const key = (async () => {
    const base = await crypto.subtle.importKey("raw", encoder.encode(keyMaterial), "HKDF", false, [
      "deriveKey",
    ]);
    return crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: encoder.encode("autorevoke"), info: encoder.encode(info) },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  })();

  return {
    async seal(plaintext, associatedData) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const cipher = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(associatedData) },
        await key,
        encoder.encode(plaintext),
      );
      return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(cipher))}`;
    },
    async open(sealed, associatedData) {
      const parts = sealed.split(".");
      if (parts.length !== 3) return undefined;
      const [version, ivText, cipherText] = parts;
      if (version !== VERSION || !ivText || !cipherText) return undefined;
      const iv = fromBase64(ivText);
      const cipher = fromBase64(cipherText);
      if (!iv || !cipher) return undefined;
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv, additionalData: encoder.encode(associatedData) },
          await key,
          cipher,
        );
        return decoder.decode(plain);
      } catch {
        return undefined;
      }
    },
  };
}
