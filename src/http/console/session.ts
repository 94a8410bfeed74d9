/**
 * @module
 * The console's session when there is no Cloudflare Access: after a sign-in with ADMIN_TOKEN, a cookie holding its own
 * expiry, signed (HMAC-SHA256) with a key derived from ADMIN_TOKEN. Rotating the token therefore ends every session.
 * The cookie is `__Host-` (Secure, path /, no Domain: no subdomain can set or read it), HttpOnly (no script reads it),
 * SameSite=Strict (no other site's page sends it) and expires with the session; the expiry inside the signed value
 * is checked too, since a browser may keep a cookie longer than it was told.
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

/** How long a console session lasts: a working shift. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;
const NAME = "autorevoke_console";
/** The cookie's name as sent; the `__Host-` prefix makes browsers enforce Secure, Path=/ and no Domain. */
export const SESSION_COOKIE = `__Host-${NAME}`;

// Separates this key from any other use of the token: a session signature is never a valid anything else.
const signingKey = (adminToken: string) => `autorevoke console session\n${adminToken}`;

const COOKIE_OPTIONS = {
  path: "/",
  secure: true,
  httpOnly: true,
  sameSite: "Strict",
  prefix: "host",
} as const;

/** Starts a session: sets the cookie, valid until `now` plus the TTL. */
export async function startSession(c: Context, adminToken: string, now: number): Promise<void> {
  const expiresAt = now + SESSION_TTL_SECONDS * 1000;
  await setSignedCookie(c, NAME, String(expiresAt), signingKey(adminToken), {
    ...COOKIE_OPTIONS,
    maxAge: SESSION_TTL_SECONDS,
    expires: new Date(expiresAt),
  });
}

/** Whether the request carries a session signed with this token that has not expired by `now`. */
export async function hasSession(c: Context, adminToken: string, now: number): Promise<boolean> {
  const value = await getSignedCookie(c, signingKey(adminToken), NAME, "host");
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value)) return false;
  return Number(value) > now;
}

/** Ends the session: the browser drops the cookie. */
export function endSession(c: Context): void {
  deleteCookie(c, NAME, COOKIE_OPTIONS);
}
