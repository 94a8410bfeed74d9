/**
 * Who may use the operators' console, in the Workers runtime: Cloudflare Access first (its token verified against the
 * team's key set: signature, audience, issuer, expiry), else sign-in with ADMIN_TOKEN and a signed session cookie;
 * every POST from the console's own origin only; a strict CSP on every page; no console at all with neither. The
 * operators' JSON API accepts an Access token too.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./support/db";
import {
  ACCESS_AUD,
  ADMIN_TOKEN,
  accessToken,
  consoleRequest,
  cookieOf,
  envWithAccess,
  freshIp,
  keySetFetches,
  ORIGIN,
  send as sendToWorker,
  signIn,
} from "./support/operator-console";
import { watchSecrecy } from "./support/secrecy";

const secrecy = watchSecrecy();
secrecy.track(ADMIN_TOKEN);

/** Through the Worker, and every answer kept for the secrecy scan. */
async function send(request: Request, workerEnv?: Env): Promise<Response> {
  const res = await sendToWorker(request, workerEnv);
  secrecy.sawResponse(await res.clone().text());
  return res;
}

/** This file's Access team, a stand-in of its own (so its key-set fetches are this file's alone). */
const TEAM = "auth.access.test";
/** One env object for the file: config and the verifier's cached key set live as long as it does. */
const accessEnv = envWithAccess(TEAM);

const withoutToken = () => {
  const { ADMIN_TOKEN: _unset, ...rest } = env as Env & { ADMIN_TOKEN?: string };
  return rest as Env;
};

beforeAll(migrate);

describe("token sign-in (no Cloudflare Access)", () => {
  it("sends a visitor without a session to the sign-in page", async () => {
    for (const path of ["/console", "/console/incidents", "/console/revoke", "/console/no-such-page"]) {
      const res = await send(consoleRequest(path));
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/console/sign-in");
    }
  });

  it("offers a password field the browser is told not to remember", async () => {
    const res = await send(consoleRequest("/console/sign-in"));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<input id="token" name="token" type="password" required="" autocomplete="off"/);
  });

  it("signs in with the right token: a signed, HttpOnly, Secure, SameSite=Strict cookie that expires", async () => {
    const res = await send(consoleRequest("/console/sign-in", { form: { token: ADMIN_TOKEN } }));
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/console");
    const cookie = res.headers.get("Set-Cookie") ?? "";
    expect(cookie).toMatch(/^__Host-autorevoke_console=\d+\.[A-Za-z0-9%+/=]+;/);
    expect(cookie).toContain("Max-Age=28800");
    expect(cookie).toMatch(/Expires=\w{3}, \d{2} \w{3} \d{4}/);
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).not.toContain("Domain");
    expect(cookie).not.toContain(ADMIN_TOKEN);

    const page = await send(consoleRequest("/console", { cookie: cookieOf(res) }));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Signed in with the admin token");
  });

  it("refuses a wrong token without echoing it, and rate-limits failures per IP", async () => {
    const ip = freshIp();
    const wrong = "a-wrong-admin-token-to-look-for-0123456789";
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await send(consoleRequest("/console/sign-in", { form: { token: wrong }, ip }));
      statuses.push(res.status);
      const html = await res.text();
      expect(html).not.toContain(wrong);
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    expect(secrecy.logs()).not.toContain(wrong);
    expect(secrecy.logs()).toContain("admin_auth_failed");
  });

  it("refuses even the right token from an IP that is over the failure limit, and sets no cookie", async () => {
    const ip = freshIp();
    const wrong = "a-wrong-admin-token-to-look-for-0123456789";
    for (let i = 0; i < 11; i++)
      await send(consoleRequest("/console/sign-in", { form: { token: wrong }, ip }));
    const right = await send(consoleRequest("/console/sign-in", { form: { token: ADMIN_TOKEN }, ip }));
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(right.headers.get("Set-Cookie")).toBeNull();
    // Another IP is not held back by this one's guesses.
    const other = await send(
      consoleRequest("/console/sign-in", { form: { token: ADMIN_TOKEN }, ip: freshIp() }),
    );
    expect(other.status).toBe(303);
  });

  it("refuses a forged or tampered session cookie", async () => {
    const good = await signIn();
    const [name, value] = good.split("=") as [string, string];
    const [expiry] = value.split(".");
    for (const cookie of [
      `${name}=${Number(expiry) + 1_000_000}.${value.split(".")[1]}`,
      `${name}=9999999999999`,
      `${name}=${value.slice(0, -4)}AAA%3D`,
      `autorevoke_console=${value}`,
    ]) {
      const res = await send(consoleRequest("/console", { cookie }));
      expect(res.status, cookie).toBe(303);
    }
  });

  it("ends a session signed with an earlier ADMIN_TOKEN: rotating the token signs everyone out", async () => {
    const cookie = await signIn();
    const rotated = { ...env, ADMIN_TOKEN: `${ADMIN_TOKEN}-rotated` } as Env;
    const res = await send(consoleRequest("/console", { cookie }), rotated);
    expect(res.status).toBe(303);
  });

  it("signs out: the cookie is cleared", async () => {
    const cookie = await signIn();
    const res = await send(consoleRequest("/console/sign-out", { method: "POST", cookie }));
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/console/sign-in");
    expect(res.headers.get("Set-Cookie")).toMatch(/^__Host-autorevoke_console=; Max-Age=0/);
  });
});

describe("CSRF: state-changing requests come from the console itself", () => {
  it("refuses a POST from another origin, even with a valid session", async () => {
    const cookie = await signIn();
    for (const origin of ["https://evil.example", "http://autorevoke.test.evil.example", "null"]) {
      const res = await send(
        consoleRequest("/console/revoke", {
          cookie,
          origin,
          form: { key_id: `ak_${"0".repeat(32)}`, confirm: "yes" },
        }),
      );
      expect(res.status, origin).toBe(403);
      expect(await res.text()).toContain("came from another site, not from autorevoke itself");
    }
    expect(secrecy.logs()).toContain("console_cross_site_refused");
  });

  it("refuses a POST with no Origin unless the browser says it is same-origin", async () => {
    const cookie = await signIn();
    const form = { token: ADMIN_TOKEN };
    const crossSite = await send(
      consoleRequest("/console/sign-in", { form, origin: null, headers: { "Sec-Fetch-Site": "cross-site" } }),
    );
    expect(crossSite.status).toBe(403);
    const bare = await send(consoleRequest("/console/sign-out", { method: "POST", cookie, origin: null }));
    expect(bare.status).toBe(403);
    const sameOrigin = await send(
      consoleRequest("/console/sign-in", {
        form,
        origin: null,
        headers: { "Sec-Fetch-Site": "same-origin" },
      }),
    );
    expect(sameOrigin.status).toBe(303);
  });

  it("refuses a cross-site sign-in (login CSRF) before looking at the token", async () => {
    const res = await send(
      consoleRequest("/console/sign-in", { form: { token: ADMIN_TOKEN }, origin: "https://evil.example" }),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });
});

describe("headers", () => {
  it("sends a strict Content-Security-Policy whose nonce is the stylesheet's, and no script at all", async () => {
    const cookie = await signIn();
    for (const path of ["/console/sign-in", "/console", "/console/incidents", "/console/revoke"]) {
      const res = await send(consoleRequest(path, { cookie: path.endsWith("sign-in") ? undefined : cookie }));
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      const nonce = /style-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce, path).toBeDefined();
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toContain("unsafe");
      const html = await res.text();
      expect(html).toContain(`<style nonce="${nonce}">`);
      expect(html).not.toMatch(/<script|\sstyle="|\son[a-z]+="/i);
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(res.headers.get("Referrer-Policy")).toBe("same-origin");
    }
  });

  it("gives each page a fresh nonce", async () => {
    const nonces = new Set<string | null>();
    for (let i = 0; i < 3; i++) {
      const res = await send(consoleRequest("/console/sign-in"));
      nonces.add(res.headers.get("Content-Security-Policy"));
    }
    expect(nonces.size).toBe(3);
  });

  it("puts the CSP on refusal pages too", async () => {
    const res = await send(
      consoleRequest("/console/sign-in", { form: { token: "x" }, origin: "https://evil.example" }),
    );
    expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
  });
});

describe("with neither sign-in configured", () => {
  it("answers 404 on every console path, as if there were no console", async () => {
    for (const [path, call] of [
      ["/console", {}],
      ["/console/incidents", {}],
      ["/console/sign-in", {}],
      ["/console/sign-in", { form: { token: ADMIN_TOKEN } }],
    ] as const) {
      const res = await send(consoleRequest(path, call), withoutToken());
      expect(res.status, path).toBe(404);
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
  });

  it("answers 503 when ADMIN_TOKEN is set but invalid, and names nothing", async () => {
    const res = await send(consoleRequest("/console"), { ...env, ADMIN_TOKEN: "short" } as Env);
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain("ADMIN_TOKEN");
  });
});

describe("Cloudflare Access", () => {
  const asOperator = async (token: string | undefined, path = "/console") =>
    send(
      consoleRequest(path, { headers: token === undefined ? {} : { "Cf-Access-Jwt-Assertion": token } }),
      accessEnv,
    );

  it("lets a valid token in and shows the operator's email", async () => {
    const res = await asOperator(await accessToken(TEAM, { email: "alice@example.com" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Signed in as <strong>alice@example.com</strong>");
    expect(html).toContain('href="/cdn-cgi/access/logout"');
  });

  it("refuses a request without a token", async () => {
    const res = await asOperator(undefined);
    expect(res.status).toBe(403);
    expect(secrecy.logs()).toMatch(/access_auth_failed.*missing/);
  });

  it.each([
    [
      "forged (signed by another key under the team's key id)",
      async () => accessToken(TEAM, {}, true),
      "signature",
    ],
    ["expired", async () => accessToken(TEAM, { exp: Math.floor(Date.now() / 1000) - 3600 }), "expired"],
    ["for another application", async () => accessToken(TEAM, { aud: "another-application" }), "audience"],
    ["issued by another team", async () => accessToken(TEAM, { iss: "https://evil.access.test" }), "issuer"],
    ["not a token", async () => "not.a.token!", "malformed"],
  ])("refuses a token that is %s, saying only that Access did not vouch", async (_name, make, reason) => {
    const res = await asOperator(await make());
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("Cloudflare Access did not vouch for this request");
    expect(html).not.toContain(reason);
    expect(secrecy.logs()).toMatch(new RegExp(`access_auth_failed.*${reason}`));
  });

  it("fetches the team's key set once and keeps it", async () => {
    const token = await accessToken(TEAM);
    await asOperator(token);
    const before = await keySetFetches(TEAM);
    for (let i = 0; i < 3; i++) expect((await asOperator(token)).status).toBe(200);
    expect(await keySetFetches(TEAM)).toBe(before);
    expect(before).toBeGreaterThanOrEqual(1);
  });

  it("turns token sign-in off: the sign-in page sends to the console, and posting a token finds nothing", async () => {
    const page = await send(consoleRequest("/console/sign-in"), accessEnv);
    expect(page.status).toBe(303);
    expect(page.headers.get("Location")).toBe("/console");
    const post = await send(consoleRequest("/console/sign-in", { form: { token: ADMIN_TOKEN } }), accessEnv);
    expect(post.status).toBe(404);
    expect(post.headers.get("Set-Cookie")).toBeNull();
  });

  it("does not take a token session in place of Access", async () => {
    const cookie = await signIn();
    const res = await send(consoleRequest("/console", { cookie }), accessEnv);
    expect(res.status).toBe(403);
  });

  it("switches the console off (503) when only one of the two settings is set", async () => {
    for (const half of [
      { ...env, ACCESS_AUD } as Env,
      { ...env, ACCESS_TEAM_DOMAIN: `https://${TEAM}` } as Env,
      { ...env, ACCESS_TEAM_DOMAIN: "http://team.example.com", ACCESS_AUD } as Env,
    ]) {
      const res = await send(consoleRequest("/console"), half);
      expect(res.status).toBe(503);
    }
  });
});

describe("the operators' JSON API with Cloudflare Access", () => {
  const api = (headers: Record<string, string>) =>
    send(
      new Request(`${ORIGIN}/v1/incidents`, { headers: { ...headers, "CF-Connecting-IP": freshIp() } }),
      accessEnv,
    );

  it("accepts a valid Access token in place of the bearer token", async () => {
    const res = await api({ "Cf-Access-Jwt-Assertion": await accessToken(TEAM) });
    expect(res.status).toBe(200);
  });

  it("still accepts the bearer token", async () => {
    expect((await api({ Authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
  });

  it("refuses a forged, expired or wrong-audience token with 401", async () => {
    for (const token of [
      await accessToken(TEAM, {}, true),
      await accessToken(TEAM, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await accessToken(TEAM, { aud: "another-application" }),
    ]) {
      const res = await api({ "Cf-Access-Jwt-Assertion": token });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "Missing or invalid bearer token." });
    }
  });

  it("answers with Access alone when ADMIN_TOKEN is unset", async () => {
    const { ADMIN_TOKEN: _unset, ...rest } = accessEnv as Env & { ADMIN_TOKEN?: string };
    const onlyAccess = rest as Env;
    const res = await send(
      new Request(`${ORIGIN}/v1/incidents`, {
        headers: { "Cf-Access-Jwt-Assertion": await accessToken(TEAM) },
      }),
      onlyAccess,
    );
    expect(res.status).toBe(200);
  });
});
