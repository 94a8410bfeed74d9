/**
 * @module
 * The incident list's cursor: the last item's (first_seen_at, token_hash), opaque to clients as
 * base64url. Opaque so the encoding can change; validated on the way in like any other input.
 */
import type { ListPosition } from "../incidents/reads";

const DECODED = /^(\d{1,15})\.([0-9a-f]{64})$/;

/** The cursor for a position. */
export function encodeCursor(position: ListPosition): string {
  return btoa(`${position.firstSeenAt}.${position.tokenHash}`)
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The position a cursor holds, or `undefined` when it is not one of ours. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,120}$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
  const match = DECODED.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  return { firstSeenAt: Number(match[1]), tokenHash: match[2] };
}
