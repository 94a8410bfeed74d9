/**
 * @module
 * Test support for the senders' tests: real P-256 key pairs, GitHub-style DER signatures, and a counting fake
 * `fetch` serving a key list. Imported by tests only, never by the Worker; the signing itself is the dev
 * signer's (dev/signer.ts), so tests and stand-ins sign alike.
 */
import { p1363ToDer, signAlertBody, toPublicKeyPem } from "../../dev/signer";

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
  return toPublicKeyPem(new Uint8Array(spki));
}

/** DER `SEQUENCE { r, s }` from P1363 `r || s`: the dev signer's conversion, shared with the stand-ins. */
export { p1363ToDer };

/** Signs like GitHub: ECDSA P-256 / SHA-256 over the bytes, base64 DER. */
export const signDer = (privateKey: CryptoKey, body: Uint8Array): Promise<string> =>
  signAlertBody(privateKey, body);

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
