/**
 * @module
 * Sealing a secret at rest: AES-256-GCM under the keyring `SEALING_KEYS`, with associated data binding each sealed
 * value to its row, so a value copied to another row will not open. Whoever reads D1 or a queue without the Worker's
 * secrets learns nothing.
 *
 * A sealed value names its key, `v2.<name>.<iv>.<ciphertext>`: the last key of the keyring seals and every key listed
 * opens, so a key is rotated by appending a new one, letting the sweeper re-seal, then dropping the old one.
 *
 * `v1.<iv>.<ciphertext>` values were sealed before the keyring existed, under a key derived from CLERK_SECRET_KEY.
 * They still open with that key, read-only (nothing is sealed v1 any more), so an upgrade strands nothing; the sweeper
 * re-seals them under the keyring, after which CLERK_SECRET_KEY rotates without touching any sealed secret.
 */
import { fromBase64, toBase64 } from "./encoding";
import type { SealingKey } from "./keyring";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;
const VERSION = "v2";
const LEGACY_VERSION = "v1";
const SALT = encoder.encode("autorevoke");
/** HKDF `info` of the keyring's sealing keys: each keyring key serves other purposes under other infos. */
const SEALING_INFO = "autorevoke/sealed-secret/v2";
/** HKDF `info` under which v1 values were sealed from CLERK_SECRET_KEY. */
const LEGACY_INFO = "autorevoke/sealed-secret/v1";

/** Seals and opens short secrets. */
export interface Sealer {
  /** The name of the key that seals. */
  readonly sealingKeyName: string;
  /**
   * Prefixes of the values this sealer opens but would no longer write: under an older key of the keyring, or v1.
   * The sweeper re-seals what starts with one of them.
   */
  readonly olderPrefixes: readonly string[];
  seal(plaintext: string, associatedData: string): Promise<string>;
  /** The plaintext, or `undefined` when the value was tampered with, belongs to another row, or its key is not held. */
  open(sealed: string, associatedData: string): Promise<string | undefined>;
  /**
   * Whether `sealed` names a key this sealer holds. When it does and the value does not open, the value is bad for
   * good; when it does not, the key may merely be missing from this keyring (removed too early, or added by a newer
   * deployment), and putting it back makes the value open again.
   */
  holdsKeyFor(sealed: string): boolean;
}

/** What a sealer is built from. */
export interface SealerKeys {
  /** The keyring, oldest first: the last key seals. At least one. */
  keys: readonly SealingKey[];
  /** CLERK_SECRET_KEY, to open v1 values; without it they do not open. */
  legacyKeyMaterial?: string;
}

const prefixOf = (name: string) => `${VERSION}.${name}.`;

/** The AES-GCM key derived from `material` for `info`; never extractable. */
async function deriveAesKey(material: Uint8Array, info: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", material, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: SALT, info: encoder.encode(info) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

async function decrypt(key: CryptoKey, ivText: string, cipherText: string, associatedData: string) {
  const iv = fromBase64(ivText);
  const cipher = fromBase64(cipherText);
  if (!iv || !cipher) return undefined;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(associatedData) },
      key,
      cipher,
    );
    return decoder.decode(plain);
  } catch {
    return undefined;
  }
}

/** Builds a sealer over a keyring; keys are derived on first use and kept for the isolate's life. */
export function createSealer({ keys, legacyKeyMaterial }: SealerKeys): Sealer {
  const sealing = keys.at(-1);
  if (!sealing) throw new Error("a sealer needs at least one key");
  const derived = new Map<string, Promise<CryptoKey>>();
  const keyNamed = (name: string): Promise<CryptoKey> | undefined => {
    const found = keys.find((k) => k.name === name);
    if (!found) return undefined;
    let key = derived.get(name);
    if (!key) {
      key = deriveAesKey(found.key, SEALING_INFO);
      derived.set(name, key);
    }
    return key;
  };
  const legacy = legacyKeyMaterial ? deriveAesKey(encoder.encode(legacyKeyMaterial), LEGACY_INFO) : undefined;
  // A failed derivation would reject on first use; an unobserved rejection must not surface before that.
  legacy?.catch(() => undefined);

  return {
    sealingKeyName: sealing.name,
    olderPrefixes: [
      ...keys.slice(0, -1).map((k) => prefixOf(k.name)),
      ...(legacy ? [`${LEGACY_VERSION}.`] : []),
    ],

    async seal(plaintext, associatedData) {
      const prefix = prefixOf(sealing.name);
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const cipher = await crypto.subtle.encrypt(
        // The key's name is authenticated with the row, so a value cannot be relabelled with another name.
        { name: "AES-GCM", iv, additionalData: encoder.encode(prefix + associatedData) },
        await (keyNamed(sealing.name) as Promise<CryptoKey>),
        encoder.encode(plaintext),
      );
      return `${prefix}${toBase64(iv)}.${toBase64(new Uint8Array(cipher))}`;
    },

    async open(sealed, associatedData) {
      const parts = sealed.split(".");
      if (parts[0] === VERSION && parts.length === 4) {
        const [, name, ivText, cipherText] = parts as [string, string, string, string];
        const key = keyNamed(name);
        if (!key) return undefined;
        return decrypt(await key, ivText, cipherText, prefixOf(name) + associatedData);
      }
      if (parts[0] === LEGACY_VERSION && parts.length === 3 && legacy) {
        const [, ivText, cipherText] = parts as [string, string, string];
        return decrypt(await legacy, ivText, cipherText, associatedData);
      }
      return undefined;
    },

    holdsKeyFor(sealed) {
      const parts = sealed.split(".");
      if (parts[0] === VERSION && parts.length === 4) return keys.some((k) => k.name === parts[1]);
      if (parts[0] === LEGACY_VERSION) return legacy !== undefined;
      // Malformed: no key could ever open it.
      return true;
    },
  };
}
