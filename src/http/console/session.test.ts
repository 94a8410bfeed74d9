import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { hasSession, SESSION_COOKIE, SESSION_TTL_SECONDS, startSession } from "./session";

const TOKEN = "a-test-admin-token-0123456789abcdef0123";
const T0 = Date.parse("2026-11-29T08:00:00Z");

/** A session cookie started at T0, and a check of it at a given time, through a real Hono context. */
async function cookieAt(start: number): Promise<string> {
  const app = new Hono().get("/", async (c) => {
    await startSession(c, TOKEN, start);
    return c.text("ok");
  });
  const res = await app.request("/");
  return (res.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
}

async function validAt(cookie: string, now: number, token = TOKEN): Promise<boolean> {
  const app = new Hono().get("/", async (c) => c.text(String(await hasSession(c, token, now))));
  return (await (await app.request("/", { headers: { Cookie: cookie } })).text()) === "true";
}

describe("console sessions", () => {
  it("holds until the TTL ends, and not a millisecond longer, whatever the browser keeps", async () => {
    const cookie = await cookieAt(T0);
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect(await validAt(cookie, T0 + 1)).toBe(true);
    expect(await validAt(cookie, T0 + SESSION_TTL_SECONDS * 1000 - 1)).toBe(true);
    expect(await validAt(cookie, T0 + SESSION_TTL_SECONDS * 1000)).toBe(false);
  });

  it("is signed with the token: another token does not open it", async () => {
    const cookie = await cookieAt(T0);
    expect(await validAt(cookie, T0 + 1, `${TOKEN}-rotated`)).toBe(false);
  });

  it("refuses a cookie whose expiry was pushed back", async () => {
    const cookie = await cookieAt(T0);
    const later = cookie.replace(/=(\d+)\./, (_m, ms: string) => `=${Number(ms) + 86_400_000}.`);
    expect(await validAt(later, T0 + SESSION_TTL_SECONDS * 1000 + 1)).toBe(false);
  });
});
