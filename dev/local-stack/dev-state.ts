/**
 * @module
 * What `npm start` keeps between runs besides wrangler's own state: the dev signing key the key-list stand-ins
 * publish, the dev sealing keyring, and the running stack's addresses for `npm run alert`. Key files are written
 * owner-only, in an owner-only directory. Node only.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as v from "valibot";
import { exportSigningKey, generateSigningKey, importSigningKey, type SigningKey } from "../signer.ts";
import { isErrnoException } from "./errno.ts";

/**
 * Where `npm start` keeps its state besides wrangler's: the dev signing key, the dev sealing keyring and the running
 * stack's addresses.
 */
export const DEFAULT_DEV_DIR = ".wrangler/autorevoke-dev";
export const SIGNING_KEY_FILE = "signing-key.json";
export const STACK_FILE = "stack.json";
/** `npm start`'s Clerk stand-ins' keys, kept across runs in wrangler's state directory (clerk-state-file.ts). */
export const CLERK_STATE_FILE = "clerk-standin.json";
/** `npm start`'s keyring for SEALING_KEYS, beside the dev signing key. */
export const SEALING_KEYS_FILE = "sealing-keys";

/** Bytes of a sealing key: SEALING_KEYS takes 256-bit keys. */
const SEALING_KEY_BYTES = 32;
const OWNER_ONLY_DIR = 0o700;
const OWNER_ONLY_FILE = 0o600;

const SigningJwkSchema = v.looseObject({
  kty: v.literal("EC"),
  crv: v.literal("P-256"),
  x: v.string(),
  y: v.string(),
  d: v.string(),
});

/** The JWK file `exportSigningKey` wrote, as a signing key. */
export async function readSigningKey(file: string): Promise<SigningKey> {
  const jwk = v.parse(SigningJwkSchema, JSON.parse(await readFile(file, "utf8")));
  return importSigningKey(jwk);
}

/** The dev signing key in `file`, generated and written (owner-only) on first use. */
export async function loadOrCreateSigningKey(file: string): Promise<{ key: SigningKey; created: boolean }> {
  try {
    return { key: await readSigningKey(file), created: false };
  } catch (error) {
    if (!isErrnoException(error, "ENOENT")) throw error;
  }
  const key = await generateSigningKey();
  await writeOwnerOnly(file, `${JSON.stringify(await exportSigningKey(key), null, 2)}\n`);
  return { key, created: true };
}

/** A fresh keyring of one key, `dev=<base64 of 32 random bytes>`, in SEALING_KEYS's format. */
export function generateDevKeyring(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SEALING_KEY_BYTES));
  return `dev=${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * The dev keyring in `file`, generated and written (owner-only) on first use. It is kept because the local D1 is:
 * secrets sealed under it must still open after a restart. Append `name=<base64 of 32 bytes>` lines to try a rotation.
 */
export async function loadOrCreateSealingKeys(file: string): Promise<{ keyring: string; created: boolean }> {
  try {
    return { keyring: (await readFile(file, "utf8")).trim(), created: false };
  } catch (error) {
    if (!isErrnoException(error, "ENOENT")) throw error;
  }
  const keyring = generateDevKeyring();
  await writeOwnerOnly(file, `${keyring}\n`);
  return { keyring, created: true };
}

async function writeOwnerOnly(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: OWNER_ONLY_DIR });
  await writeFile(file, text, { mode: OWNER_ONLY_FILE });
}

/**
 * What `npm start` writes to `stack.json` so `npm run alert` finds the running stack, and the next `npm start` finds
 * a wrangler that a hard stop left running (dev/local-stack/leftover.ts).
 */
export const StackFileSchema = v.object({
  url: v.string(),
  clerk_url: v.string(),
  /** The GitHub API stand-in, for `npm run alert -- --sender github-app` (absent in files of older stacks). */
  github_url: v.optional(v.string()),
  /** `npm start`'s own pid. */
  pid: v.number(),
  /** wrangler's pid, which is also its process group's id. */
  wrangler_pid: v.optional(v.number()),
});
export type StackFile = v.InferOutput<typeof StackFileSchema>;
