/**
 * @module
 * A GitHub App key pair for tests and the local stack, generated per process, never committed: the private key as GitHub hands it out (PKCS#1 PEM, `BEGIN RSA PRIVATE KEY`) for the
 * Worker's GITHUB_APP_PRIVATE_KEY, the public key (SPKI PEM) for the GitHub stand-in to check the App's JWTs with.
 * Node only (node:crypto): vitest.config.ts and `npm start` call it, and hand the public key to the stand-in.
 */
import { generateKeyPairSync } from "node:crypto";

/** A fresh App key pair. */
export function generateGithubAppKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
