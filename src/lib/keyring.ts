/**
 * @module
 * The sealing keyring, `SEALING_KEYS`: named 256-bit keys written `name=<base64 of 32 bytes>`, separated by commas
 * or newlines, oldest first. The last one seals; every one listed opens. Parsing is pure, and a problem names the
 * entry by its position, and by its name once that is known to be one, never by its key material.
 */
import { fromBase64 } from "./encoding";
import { err, ok, type Result } from "./result";

/** One key of the keyring. */
export interface SealingKey {
  /** Written into every value the key seals, so opening picks the right key. */
  name: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** Bytes of each key: AES-256 and HMAC-SHA-256 both want 32. */
export const SEALING_KEY_BYTES = 32;

/**
 * Most keys a keyring may hold. Rotation needs two at a time; the bound keeps a pasted mistake (say, a whole file)
 * from costing a key derivation per line.
 */
export const MAX_SEALING_KEYS = 16;

/**
 * A key name: short, and free of `.` (the separator of sealed values) and of `=` and `,` (the keyring's own). A name
 * of at most 32 characters can never be a whole key, whose base64 takes 44, so quoting one in a problem is safe.
 */
const NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** Standard base64 of exactly 32 bytes: 43 characters and one `=` of padding. */
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** The keyring in `text`, oldest key first; or every problem found, each naming its entry. */
export function parseKeyring(text: string): Result<SealingKey[], string[]> {
  const entries = text
    .split(/[,\r\n]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return err(["must hold at least one key, name=<base64 of 32 bytes>"]);
  if (entries.length > MAX_SEALING_KEYS) return err([`must hold at most ${MAX_SEALING_KEYS} keys`]);

  const problems: string[] = [];
  const keys: SealingKey[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const at = `entry ${index + 1}`;
    const split = entry.indexOf("=");
    if (split < 0) {
      problems.push(`${at} must be name=<base64 of 32 bytes>`);
      return;
    }
    const name = entry.slice(0, split).trim();
    const encoded = entry.slice(split + 1).trim();
    if (!NAME.test(name)) {
      problems.push(`${at} must be named with 1-32 letters, digits, _ or -`);
      return;
    }
    const key = KEY_BASE64.test(encoded) ? fromBase64(encoded) : undefined;
    if (key?.length !== SEALING_KEY_BYTES) {
      problems.push(`${at} ("${name}") must be ${SEALING_KEY_BYTES} bytes in base64`);
      return;
    }
    if (seen.has(name)) {
      problems.push(`${at} ("${name}") repeats an earlier name`);
      return;
    }
    seen.add(name);
    keys.push({ name, key });
  });
  return problems.length > 0 ? err(problems) : ok(keys);
}
