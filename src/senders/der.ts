/**
 * @module
 * DER ECDSA signatures (`SEQUENCE { r INTEGER, s INTEGER }`, what GitHub, GitLab and deps.dev send) to the fixed-width
 * IEEE P1363 form `r || s` that WebCrypto verifies. Strict: anything that is not exactly one minimal DER sequence of
 * two positive integers is rejected, so one signature has exactly one accepted encoding.
 */
import { err, ok, type Result } from "../lib/result";

const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;

/** Where a parse step stopped: the value read and the offset just after it. */
type Step<T> = { value: T; next: number } | undefined;

/**
 * Reads a DER length at `at`. Short form (< 0x80) or long form with one or two length bytes, minimal only;
 * longer lengths cannot occur in an ECDSA signature and the indefinite form (0x80) is not DER.
 */
function readLength(der: Uint8Array, at: number): Step<number> {
  const first = der[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return { value: first, next: at + 1 };
  const byteCount = first & 0x7f;
  if (byteCount === 0 || byteCount > 2 || at + 1 + byteCount > der.length) return undefined;
  let value = 0;
  for (let i = 1; i <= byteCount; i++) value = value * 256 + (der[at + i] ?? 0);
  // DER requires the shortest form: long form only for lengths >= 0x80, and no leading zero length byte.
  if (value < 0x80 || (byteCount === 2 && value < 0x100)) return undefined;
  return { value, next: at + 1 + byteCount };
}

/** Reads one positive INTEGER at `at` and returns its magnitude, left-padded to `size` bytes. */
function readInteger(der: Uint8Array, at: number, end: number, size: number): Step<Uint8Array> {
  if (der[at] !== TAG_INTEGER) return undefined;
  const length = readLength(der, at + 1);
  if (length === undefined || length.value === 0) return undefined;
  const start = length.next;
  const stop = start + length.value;
  if (stop > end) return undefined;
  const first = der[start] ?? 0;
  // The high bit set means a negative number: r and s are never negative.
  if (first & 0x80) return undefined;
  let magnitude = der.subarray(start, stop);
  if (first === 0x00 && magnitude.length > 1) {
    // A leading zero is only allowed (and then required) to keep a high-bit value positive.
    if (((magnitude[1] ?? 0) & 0x80) === 0) return undefined;
    magnitude = magnitude.subarray(1);
  }
  if (magnitude.length > size) return undefined;
  const out = new Uint8Array(size);
  out.set(magnitude, size - magnitude.length);
  return { value: out, next: stop };
}

/**
 * Converts a DER ECDSA signature to IEEE P1363 (`r || s`, each `size` bytes; 32 for P-256).
 * Strips the sign byte of 33-byte integers and left-pads short ones; real signatures have both.
 */
export function derToP1363(der: Uint8Array, size = 32): Result<Uint8Array, "malformed_der"> {
  if (der[0] !== TAG_SEQUENCE) return err("malformed_der");
  const length = readLength(der, 1);
  // The sequence must cover the rest of the input exactly: no truncation, no trailing bytes.
  if (length === undefined || length.next + length.value !== der.length) return err("malformed_der");
  const r = readInteger(der, length.next, der.length, size);
  if (r === undefined) return err("malformed_der");
  const s = readInteger(der, r.next, der.length, size);
  if (s === undefined || s.next !== der.length) return err("malformed_der");
  const out = new Uint8Array(size * 2);
  out.set(r.value, 0);
  out.set(s.value, size);
  return ok(out);
}
