/**
 * @module
 * Test support for the senders' tests: real P-256 key pairs, GitHub-style DER signatures, and a counting fake
 * `fetch` serving a key list. Imported by tests only, never by the Worker.
 */
import { toBase64 } from "../lib/encoding";

/** A fresh ECDSA P-256 key pair, as a sender would hold. */
export async function generateP256(): Promise<CryptoKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  if (!("privateKey" in pair)) throw new Error("expected a key pair");
  return pair;
}

/** The public key as PEM SPKI with a trailing newline, the way GitHub serves it. */
export async function exportPem(publicKey: CryptoKey): Promise<string> {
  const spki = await crypto.subtle.exportKey("spki", publicKey);
  if (!(spki instanceof ArrayBuffer)) throw new Error("expected SPKI bytes");
  const lines = toBase64(new Uint8Array(spki)).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** DER INTEGER for an unsigned big-endian magnitude: minimal, with a 0x00 sign byte when the high bit is set. */
export function derInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const content = (trimmed[0] ?? 0) & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
  return Uint8Array.of(0x02, content.length, ...content);
}

/** DER `SEQUENCE { r, s }` from P1363 `r || s` (what WebCrypto's sign returns). */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  const half = signature.length / 2;
  const body = Uint8Array.of(
    ...derInteger(signature.subarray(0, half)),
    ...derInteger(signature.subarray(half)),
  );
  return Uint8Array.of(0x30, body.length, ...body);
}

/** Signs like GitHub: ECDSA P-256 / SHA-256 over the bytes, base64 DER. */
export async function signDer(privateKey: CryptoKey, body: Uint8Array): Promise<string> {
  const p1363 = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, body);
  return toBase64(p1363ToDer(new Uint8Array(p1363)));
}

/** The key list document for the given `[key_identifier, pem]` pairs. */
export function keyListJson(...keys: [id: string, pem: string][]): string {
  return JSON.stringify({
    public_keys: keys.map(([key_identifier, key], i) => ({ key_identifier, key, is_current: i === 0 })),
  });
}

/** A fake `fetch` that counts calls and records each request's headers. */
export interface FakeFetch {
  fetch: typeof fetch;
  calls: () => number;
  requests: Headers[];
}

/** Builds a fake `fetch` answering every call with `respond()`, a fresh Response each time. */
export function fakeFetch(respond: () => Response | Promise<Response>): FakeFetch {
  let calls = 0;
  const requests: Headers[] = [];
  return {
    fetch: async (_input, init) => {
      calls++;
      requests.push(new Headers(init?.headers));
      return respond();
    },
    calls: () => calls,
    requests,
  };
}

/** The UTF-8 bytes of `text`. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
