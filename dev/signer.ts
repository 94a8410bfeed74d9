/**
 * @module
 * Signs alerts the way GitHub's Secret Scanning Partner Program does (../shared/reference/protocols.md, section 1):
 * ECDSA P-256 with SHA-256 over the raw body, sent as standard base64 of a DER `SEQUENCE { r, s }`, under a key whose
 * identifier is the lowercase hex SHA-256 of its PEM text as served (trailing newline included). GitLab and deps.dev
 * use the same scheme under other header names. Web-standard APIs only (WebCrypto), so it runs in Node and workerd.
 */
import { sha256Hex } from "./standin-util.ts";

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;
const PEM_LINE_CHARS = 64;

/** A sender's signing key: the private half signs, the PEM is what the key server publishes. */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** SPKI PEM, 64-character lines, trailing newline: exactly the text a key list serves. */
  publicKeyPem: string;
  /** Lowercase hex SHA-256 of `publicKeyPem`. */
  keyIdentifier: string;
}

/** A fresh extractable P-256 key pair (extractable so `exportSigningKey` can persist it). */
export async function generateSigningKey(): Promise<SigningKey> {
  const pair = await crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]);
  if (!("privateKey" in pair)) throw new Error("ECDSA key generation returned a single key");
  return describeKey(pair.privateKey, pair.publicKey);
}

/** The private key as a JWK (it includes the public point), for a stable dev key kept in a file. */
export async function exportSigningKey(key: SigningKey): Promise<JsonWebKey> {
  const jwk = await crypto.subtle.exportKey("jwk", key.privateKey);
  if (jwk instanceof ArrayBuffer) throw new Error("JWK export returned raw bytes");
  return jwk;
}

/** Rebuilds a signing key from the JWK `exportSigningKey` wrote. */
export async function importSigningKey(jwk: JsonWebKey): Promise<SigningKey> {
  const privateKey = await crypto.subtle.importKey("jwk", jwk, ECDSA_P256, true, ["sign"]);
  const { d: _d, key_ops: _ops, ...publicJwk } = jwk;
  const publicKey = await crypto.subtle.importKey("jwk", publicJwk, ECDSA_P256, true, ["verify"]);
  return describeKey(privateKey, publicKey);
}

/** Standard base64 of the DER-encoded ECDSA P-256/SHA-256 signature over the exact body bytes. */
export async function signAlertBody(privateKey: CryptoKey, body: string | Uint8Array): Promise<string> {
  // A copy over a plain ArrayBuffer: what WebCrypto accepts in both workerd and Node.
  const bytes = new Uint8Array(typeof body === "string" ? new TextEncoder().encode(body) : body);
  const p1363 = new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, privateKey, bytes));
  return toBase64(p1363ToDer(p1363));
}

/**
 * WebCrypto's raw `r || s` (IEEE P1363) as DER `SEQUENCE { INTEGER r, INTEGER s }`: each integer minimal (leading
 * zero bytes stripped) and positive (a `0x00` prefix when its high bit is set).
 */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length === 0 || signature.length % 2 !== 0) throw new Error("P1363 signature has odd length");
  const half = signature.length / 2;
  const r = derInteger(signature.subarray(0, half));
  const s = derInteger(signature.subarray(half));
  const content = r.length + s.length;
  // P-256 signatures stay far below 128 content bytes, so the short length form always fits.
  if (content > 127) throw new Error("signature too long for short-form DER length");
  return Uint8Array.from([0x30, content, ...r, ...s]);
}

function derInteger(bytes: Uint8Array): number[] {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = [...bytes.subarray(start)];
  if ((value[0] ?? 0) & 0x80) value.unshift(0);
  return [0x02, value.length, ...value];
}

/** Which sender's header names to use; `depsdev` names are agreed per integration, so they can be overridden. */
export type AlertSender = "github" | "gitlab" | "depsdev";

const HEADER_PREFIXES: Record<AlertSender, string> = {
  github: "Github",
  gitlab: "Gitlab",
  depsdev: "DepsDev",
};

export interface AlertRequestInput {
  url: string;
  /** The raw body, signed and sent byte for byte. */
  body: string | Uint8Array;
  key: SigningKey;
  sender: AlertSender;
  /** Overrides the `<Prefix>-Public-Key-Identifier` / `-Signature` prefix (e.g. `GOSST` for PyPI-style deps.dev). */
  headerPrefix?: string;
}

/** A signed alert ready for `fetch(alert.url, alert)`. */
export interface AlertRequest {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Builds a signed partner alert as the sender would send it. */
export async function createAlertRequest(input: AlertRequestInput): Promise<AlertRequest> {
  const prefix = input.headerPrefix ?? HEADER_PREFIXES[input.sender];
  return {
    url: input.url,
    method: "POST",
    headers: {
      [`${prefix}-Public-Key-Identifier`]: input.key.keyIdentifier,
      [`${prefix}-Public-Key-Signature`]: await signAlertBody(input.key.privateKey, input.body),
      "Content-Type": "application/json",
    },
    body: input.body,
  };
}

/** SPKI bytes as PEM with 64-character lines and a trailing newline, as GitHub serves its keys. */
export function toPublicKeyPem(spki: Uint8Array): string {
  const b64 = toBase64(spki);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += PEM_LINE_CHARS) lines.push(b64.slice(i, i + PEM_LINE_CHARS));
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

async function describeKey(privateKey: CryptoKey, publicKey: CryptoKey): Promise<SigningKey> {
  const spki = await crypto.subtle.exportKey("spki", publicKey);
  if (!(spki instanceof ArrayBuffer)) throw new Error("SPKI export did not return bytes");
  const publicKeyPem = toPublicKeyPem(new Uint8Array(spki));
  return { privateKey, publicKey, publicKeyPem, keyIdentifier: await sha256Hex(publicKeyPem) };
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
