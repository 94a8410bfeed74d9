/**
 * @module
 * Test support: checks an alert's ECDSA signature the way a receiver does, with WebCrypto alone, so the tests of
 * `npm run alert` do not trust the signer to check itself.
 */

/** P-256 coordinates are 32 bytes. */
const P256_COORDINATE_BYTES = 32;

/**
 * DER `SEQUENCE { INTEGER r, INTEGER s }` back to WebCrypto's `r || s`. Short-form lengths only, which is all a
 * P-256 signature needs; anything else is not a signature this project makes.
 */
export function derToP1363(der: Uint8Array): Uint8Array<ArrayBuffer> {
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw new Error("not a short-form DER sequence");
  const integer = (at: number) => {
    if (der[at] !== 0x02) throw new Error("not a DER integer");
    const length = der[at + 1] ?? 0;
    const value = der.subarray(at + 2, at + 2 + length);
    // A leading zero only keeps the integer positive; it is not part of the coordinate.
    const unsigned = value[0] === 0 ? value.subarray(1) : value;
    const padded = new Uint8Array(P256_COORDINATE_BYTES);
    padded.set(unsigned, P256_COORDINATE_BYTES - unsigned.length);
    return { bytes: padded, next: at + 2 + length };
  };
  const r = integer(2);
  const s = integer(r.next);
  return Uint8Array.from([...r.bytes, ...s.bytes]);
}

/** Whether `signature` (standard base64 of DER) is `publicKey`'s ECDSA P-256/SHA-256 signature over `body`. */
export async function verifiesEcdsa(publicKey: CryptoKey, signature: string, body: string): Promise<boolean> {
  const der = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
  return crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    publicKey,
    derToP1363(der),
    new TextEncoder().encode(body),
  );
}
