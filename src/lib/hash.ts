/**
 * @module
 * SHA-256 of tokens: the incident key and the only form of a token that is ever stored or logged.
 */
import { toHex } from "./encoding";

const encoder = new TextEncoder();

/** Lowercase hex SHA-256 of the UTF-8 text. */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Characters of a token kept for humans, e.g. `ak_3bee…`: enough to recognise, far too few to use. */
export const TOKEN_PREFIX_CHARS = 7;

/**
 * The short human prefix of a token, with an ellipsis to show it is cut. Short tokens keep at most a
 * quarter of their characters, so the prefix never gives most of a secret away.
 */
export function tokenPrefix(token: string): string {
  return `${token.slice(0, Math.min(TOKEN_PREFIX_CHARS, Math.floor(token.length / 4)))}…`;
}
