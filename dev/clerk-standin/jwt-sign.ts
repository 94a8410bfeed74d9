/**
 * @module
 * RS256 JWTs with WebCrypto, as Clerk signs its machine tokens (M2M JWTs and OAuth JWT access tokens): a key pair, its
 * public half as a JWK, signing a header and payload, and checking a signature. Pure apart from the randomness of key
 * generation; no clock. Web-standard APIs only, so it runs in Node and in workerd.
 */
import * as v from "valibot";

/** An RS256 public key as a JWKS lists it (the spec's `JWKS.rsa.PublicKey`, the properties the stand-in sends). */
export interface RsaPublicJwk {
  kty: "RSA";
  n: string;
  e: string;
  kid: string;
  alg: "RS256";
  use: "sig";
}

/** A key pair and the `kid` its JWTs name. */
export interface RsaSigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: RsaPublicJwk;
}

/** A JWT taken apart; no signature checked. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const RS256 = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

/** Three base64url parts, as `@clerk/backend` tells a JWT from an opaque token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const ExportedJwkSchema = v.object({ n: v.string(), e: v.string() });
const JsonObjectSchema = v.record(v.string(), v.unknown());

/** A fresh RS256 key pair that signs as `kid`. */
export async function generateRsaSigningKey(kid: string): Promise<RsaSigningKey> {
  const pair = await crypto.subtle.generateKey(RS256, true, ["sign", "verify"]);
  // workerd's types allow a single key for any algorithm; RSA always gives a pair.
  if (!("privateKey" in pair)) throw new Error("RSA key generation gave no key pair");
  const { n, e } = v.parse(ExportedJwkSchema, await crypto.subtle.exportKey("jwk", pair.publicKey));
  return {
    kid,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk: { kty: "RSA", n, e, kid, alg: "RS256", use: "sig" },
  };
}

/** `header` (its `alg` set to RS256) and `payload` signed with `key`, in compact form. */
export async function signJwt(
  key: CryptoKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${base64UrlJson({ ...header, alg: "RS256" })}.${base64UrlJson(payload)}`;
  const signature = await crypto.subtle.sign(RS256.name, key, new TextEncoder().encode(input));
  return `${input}.${base64Url(new Uint8Array(signature))}`;
}

/** Whether the token is shaped as a JWT at all (three base64url parts). */
export function isJwtShaped(token: string): boolean {
  return JWT_SHAPE.test(token);
}

/** The header and payload of a JWT-shaped token, or `undefined` when either is not a JSON object. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  if (!isJwtShaped(token)) return undefined;
  const [header, payload] = token.split(".").map(jsonPart);
  return header && payload ? { header, payload } : undefined;
}

/** The JWT's header and payload when `key` signed it with RS256; `undefined` otherwise. */
export async function verifiedJwt(token: string, key: CryptoKey): Promise<DecodedJwt | undefined> {
  const decoded = decodeJwt(token);
  if (decoded?.header.alg !== "RS256") return undefined;
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const valid = await crypto.subtle.verify(
    RS256.name,
    key,
    fromBase64Url(signature),
    new TextEncoder().encode(`${header}.${payload}`),
  );
  return valid ? decoded : undefined;
}

function base64UrlJson(value: unknown): string {
  return base64Url(new TextEncoder().encode(JSON.stringify(value)));
}

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function jsonPart(part: string | undefined): Record<string, unknown> | undefined {
  if (part === undefined) return undefined;
  try {
    const parsed = v.safeParse(
      JsonObjectSchema,
      JSON.parse(new TextDecoder().decode(fromBase64Url(part))) as unknown,
    );
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}
