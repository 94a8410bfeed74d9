import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../lib/encoding";
import { toPkcs8Pem } from "./private-key";

const pem = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${(toBase64(der).match(/.{1,64}/g) ?? []).join("\n")}\n-----END ${label}-----\n`;

/** The PKCS#1 bytes inside a PKCS#8 PrivateKeyInfo: the OCTET STRING after the 18-byte version and algorithm. */
function pkcs1Of(pkcs8: Uint8Array): Uint8Array {
  const outerHeader = (pkcs8[1] ?? 0) & 0x80 ? 2 + ((pkcs8[1] ?? 0) & 0x7f) : 2;
  const octetAt = outerHeader + 18;
  const lengthByte = pkcs8[octetAt + 1] ?? 0;
  const headerLength = lengthByte & 0x80 ? 2 + (lengthByte & 0x7f) : 2;
  return pkcs8.slice(octetAt + headerLength);
}

async function rsaKey(modulusLength: number) {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  return new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
}

describe("the App's private key as PKCS#8", () => {
  it.each([1024, 2048, 4096])(
    "wraps a %i-bit PKCS#1 key (GitHub's download) into the PKCS#8 Web Crypto made",
    async (bits) => {
      const pkcs8 = await rsaKey(bits);
      const converted = toPkcs8Pem(pem("RSA PRIVATE KEY", pkcs1Of(pkcs8)));
      const body = converted.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
      expect(converted.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
      expect(fromBase64(body)).toEqual(pkcs8);
    },
  );

  it("leaves a PKCS#8 key as it is", async () => {
    const pkcs8 = pem("PRIVATE KEY", await rsaKey(2048));
    expect(toPkcs8Pem(pkcs8)).toBe(pkcs8);
  });
});
