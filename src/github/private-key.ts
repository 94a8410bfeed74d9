/**
 * @module
 * The App's private key as Web Crypto takes it. GitHub hands out PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), and
 * `universal-github-app-jwt`'s Web Crypto build (the one workerd runs) takes PKCS#8 only; the conversion is a fixed
 * DER wrapper (RFC 5208 PrivateKeyInfo around the PKCS#1 bytes, algorithm rsaEncryption), so an operator can paste
 * the file GitHub gave without running openssl first. Pure.
 */
import { fromBase64, toBase64 } from "../lib/encoding";

const PKCS1 = /^-----BEGIN RSA PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END RSA PRIVATE KEY-----$/;
/** version 0, then AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const VERSION_AND_ALGORITHM = [
  0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/** A DER length: short form under 128, else long form. */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** `pem` as PKCS#8 PEM: converted when it is PKCS#1, as it is otherwise. */
export function toPkcs8Pem(pem: string): string {
  const pkcs1 = PKCS1.exec(pem.trim());
  const der = pkcs1 ? fromBase64((pkcs1[1] ?? "").replace(/\s+/g, "")) : undefined;
  if (!der) return pem;
  const octets = [0x04, ...derLength(der.length), ...der];
  const body = [...VERSION_AND_ALGORITHM, ...octets];
  const info = Uint8Array.from([0x30, ...derLength(body.length), ...body]);
  const lines = toBase64(info).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}
