/**
 * The operators' console in a real browser: Chromium (by default the one `npm ci` installs, see browser.ts), via
 * playwright-core, against the Worker under `wrangler dev` with the dev stand-ins. One stack signs operators in with
 * ADMIN_TOKEN, the other with Cloudflare Access (an Access team stand-in on loopback). The tests run in order and
 * build on each other's incidents; every page the browser loads is kept and scanned for raw tokens at the end, and the
 * README's screenshots are taken here.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ADMIN_TOKEN, type LocalStack, repoRoot, startLocalStack } from "../dev/local-stack.ts";
import { createAlertRequest } from "../dev/signer.ts";
import { sha256Hex } from "../dev/standin-util.ts";
import { control, waitFor } from "../e2e/support.ts";
import { createLeakScanner } from "../test/support/leak-scan";
import { launchChromium } from "./browser.ts";

const KeySchema = v.object({ id: v.string(), secret: v.string(), name: v.string() });

let browser: Browser;
let tokenStack: LocalStack;
let accessStack: LocalStack;
let attacker: Server;
let attackerUrl: string;
/** The signed-in operator's browser (token stack). */
let operator: BrowserContext;
let page: Page;
/** Every HTML document the browser received, by URL. */
const documents: [string, string][] = [];
/** Every raw secret made here: none may appear in any page. */
const secrets: string[] = [LOCAL_ADMIN_TOKEN];
let screenshots: string;
/** The key of the incident that failed and was retried: its page has the richest history, for the screenshot. */
let retried: { id: string; secret: string } | undefined;

/** Keeps every HTML document a context loads, for the secrecy scan. */
function recordDocuments(context: BrowserContext) {
  context.on("response", async (res) => {
    if (res.request().resourceType() !== "document") return;
    documents.push([res.url(), await res.text().catch(() => "")]);
  });
}

async function liveKey(stack = tokenStack) {
  const key = v.parse(KeySchema, await control(stack.clerk.url, "keys", {}));
  secrets.push(key.secret);
  return key;
}

async function sendAlert(tokens: string[], stack = tokenStack) {
  const body = JSON.stringify(
    tokens.map((token) => ({
      token,
      type: "clerk_api_key",
      url: "https://github.com/octo/payments/blob/main/.env",
      source: "content",
    })),
  );
  const alert = await createAlertRequest({
    url: stack.alertUrl("github"),
    body,
    key: stack.signingKey,
    sender: "github",
  });
  const res = await fetch(alert.url, {
    ...alert,
    body: typeof alert.body === "string" ? alert.body : new Uint8Array(alert.body),
  });
  expect(res.status).toBe(200);
}

const revokedInClerk = (id: string, stack = tokenStack) => stack.clerk.standin.getKey(id)?.revoked === true;

/** The number on the overview's card for `status`. */
async function countOn(p: Page, status: string): Promise<number> {
  return Number(await p.locator(`a[data-status="${status}"] strong`).textContent());
}

beforeAll(async () => {
  // First, so a browser that cannot start fails the suite at once and says why.
  browser = await launchChromium();
  // The README's pictures are rewritten only on request (`npm run screenshots`): a plain test run must leave the
  // working tree as it found it, so it takes them into a scratch directory instead.
  screenshots = process.env.SCREENSHOTS_DIR
    ? resolve(await repoRoot(), process.env.SCREENSHOTS_DIR)
    : await mkdtemp(join(tmpdir(), "autorevoke-screenshots-"));
  [tokenStack, accessStack] = await Promise.all([
    startLocalStack({ quiet: true }),
    startLocalStack({ quiet: true, access: true }),
  ]);
  // Another site's page with a form aimed at the console: the cross-site request a CSRF attack would make.
  attacker = createServer((_req, res) => {
    res.setHeader("Content-Type", "text/html");
    res.end(`<!doctype html><title>Win a prize</title>
      <form method="post" action="${tokenStack.url}/console/revoke">
        <input name="key_id" value="ak_${"0".repeat(32)}"><input name="confirm" value="yes">
        <button>Claim</button>
      </form>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  operator = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  recordDocuments(operator);
  page = await operator.newPage();
});

afterAll(async () => {
  if (!process.env.SCREENSHOTS_DIR && screenshots) await rm(screenshots, { recursive: true, force: true });
  await browser?.close();
  await Promise.all([tokenStack?.stop(), accessStack?.stop()]);
  await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
});

describe("signing in", () => {
  it("refuses a wrong token and signs in with the right one: a Secure, HttpOnly, SameSite=Strict session", async () => {
    await page.goto(`${tokenStack.url}/console`);
    expect(new URL(page.url()).pathname).toBe("/console/sign-in");
    await page.getByLabel("Admin token").fill("not-the-admin-token-0123456789abcdef");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That is not the admin token.");
    expect(await page.getByLabel("Admin token").inputValue()).toBe("");

    await page.getByLabel("Admin token").fill(LOCAL_ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(await page.textContent("body")).toContain("Signed in with the admin token");
    const [cookie] = await operator.cookies();
    expect(cookie).toMatchObject({
      name: "__Host-autorevoke_console",
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      path: "/",
    });
    expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000 + 7 * 3600);
  });

  it("with Cloudflare Access, refuses forged, expired and wrong-audience tokens and lets a good one in", async () => {
    const access = accessStack.access;
    if (!access) throw new Error("the Access stack has no Access stand-in");
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | undefined, number][] = [
      ["no token", undefined, 403],
      ["forged", await access.standin.forge({ email: "mallory@example.com" }), 403],
      ["expired", await access.standin.sign({ exp: now - 60 }), 403],
      ["wrong audience", await access.standin.sign({ aud: "another-application" }), 403],
      ["good", await access.standin.sign({ email: "alice@example.com" }), 200],
    ];
    for (const [name, token, status] of cases) {
      const context = await browser.newContext(
        token === undefined ? {} : { extraHTTPHeaders: { "Cf-Access-Jwt-Assertion": token } },
      );
      recordDocuments(context);
      const p = await context.newPage();
      const res = await p.goto(`${accessStack.url}/console`);
      expect(res?.status(), name).toBe(status);
      const text = (await p.textContent("body")) ?? "";
      if (status === 200) {
        expect(text).toContain("Signed in as alice@example.com");
        await p.getByRole("link", { name: "Incidents" }).click();
        await p.getByRole("heading", { name: "Incidents" }).waitFor();
      } else {
        expect(text, name).toContain("Cloudflare Access did not vouch for this request");
      }
      await context.close();
    }
  });
});

describe("incidents", () => {
  let alerted: { id: string; secret: string; name: string };

  it("shows an alert's incident in the list and in the overview's counts", async () => {
    await page.goto(`${tokenStack.url}/console`);
    const before = await countOn(page, "revoked");
    alerted = await liveKey();
    const unknown = `ak_notAKeyClerkKnows${crypto.randomUUID().replaceAll("-", "")}`;
    secrets.push(unknown);
    await sendAlert([alerted.secret, unknown]);

    await page.reload();
    expect(await countOn(page, "revoked")).toBe(before + 1);
    await page.getByRole("link", { name: "Incidents" }).first().click();
    const hash = await sha256Hex(alerted.secret);
    await page.locator(`a[href="/console/incidents/${hash}"]`).waitFor();
    expect(await page.textContent("main")).toContain(alerted.id);
  });

  it("opens it: its sightings and its Clerk calls", async () => {
    const hash = await sha256Hex(alerted.secret);
    await page.locator(`a[href="/console/incidents/${hash}"]`).click();
    await page.getByRole("heading", { name: "Sightings" }).waitFor();
    const main = (await page.textContent("main")) ?? "";
    expect(main).toContain("https://github.com/octo/payments/blob/main/.env");
    expect(main).toContain(alerted.name);
    const calls = await page.locator("table tbody tr").allTextContents();
    expect(calls.some((row) => row.includes("verify") && row.includes("200"))).toBe(true);
    expect(calls.some((row) => row.includes("revoke") && row.includes("200"))).toBe(true);
  });

  it("retries a failed incident, and Clerk revokes the key", async () => {
    const key = await liveKey();
    retried = key;
    // Clerk refuses the revocation for good (422): the incident ends failed.
    await control(tokenStack.clerk.url, "script", [{ status: 422, path: "revoke" }]);
    await sendAlert([key.secret]);
    const hash = await sha256Hex(key.secret);
    await page.goto(`${tokenStack.url}/console/incidents/${hash}`);
    expect(await page.locator("h1 .status").textContent()).toBe("failed");
    expect(revokedInClerk(key.id)).toBe(false);

    await page.getByLabel("Yes, retry revoking this key").check();
    await page.getByRole("button", { name: "Retry now" }).click();
    await page.getByRole("heading", { name: "Retry queued" }).waitFor();
    expect(await waitFor(async () => revokedInClerk(key.id), 20_000)).toBe(true);
    await page.getByRole("link", { name: "Open the incident" }).click();
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator("h1 .status").textContent();
        },
        { timeout: 20_000 },
      )
      .toBe("revoked");
  });

  it("checks false positives since a day again from Clerk health, and Clerk's now-known key is revoked", async () => {
    // A secret Clerk does not know yet is labelled false_positive; then a key with that secret appears in Clerk, as a
    // key that had not reached Clerk's replica, or a fixed configuration, would.
    const secret = `ak_createdLater${crypto.randomUUID().replaceAll("-", "")}`;
    secrets.push(secret);
    await sendAlert([secret]);
    const hash = await sha256Hex(secret);
    await page.goto(`${tokenStack.url}/console/incidents/${hash}`);
    expect(await page.locator("h1 .status").textContent()).toBe("not found");
    const key = v.parse(KeySchema, await control(tokenStack.clerk.url, "keys", { secret }));

    await page.goto(`${tokenStack.url}/console/health`);
    await page.getByLabel("Since").fill(new Date().toISOString().slice(0, 10));
    await page.getByRole("button", { name: "Check again" }).click();
    // The confirmation box is required: the browser keeps the form until it is ticked.
    expect(new URL(page.url()).pathname).toBe("/console/health");
    await page.getByLabel("Yes, ask Clerk about each of them again").check();
    await page.getByRole("button", { name: "Check again" }).click();
    await page.getByRole("heading", { name: "Re-check started" }).waitFor();
    expect(await page.getByRole("status").textContent()).toMatch(
      /false positives? given since .* pending again/,
    );
    expect(await waitFor(async () => revokedInClerk(key.id), 20_000)).toBe(true);
  });

  it("revokes by key id, after confirmation, and says so", async () => {
    const key = await liveKey();
    await page.goto(`${tokenStack.url}/console/revoke`);
    await page.getByRole("textbox", { name: "Id ak_ or mt_ and 32 hex digits, or mch_…" }).fill(key.id);
    await page.getByRole("button", { name: "Revoke or rotate" }).click();
    // The confirmation box is required: the browser keeps the form until it is ticked.
    expect(new URL(page.url()).pathname).toBe("/console/revoke");
    expect(revokedInClerk(key.id)).toBe(false);
    await page.getByLabel("Yes, revoke this credential (or rotate this machine's secret key) now").check();
    await page.getByRole("button", { name: "Revoke or rotate" }).click();
    await page.getByRole("heading", { name: "Revocation" }).waitFor();
    expect(await page.getByRole("status").textContent()).toContain(
      "Revoked: Clerk confirmed the key is revoked.",
    );
    expect(revokedInClerk(key.id)).toBe(true);
  });

  it("revokes by secret from a field that is never echoed or autocompleted", async () => {
    const key = await liveKey();
    await page.goto(`${tokenStack.url}/console/revoke`);
    const field = page.getByLabel("Leaked secret");
    expect(await field.getAttribute("type")).toBe("password");
    expect(await field.getAttribute("autocomplete")).toBe("off");
    await field.fill(key.secret);
    await page.getByLabel("Yes, revoke the key this secret belongs to now").check();
    await page.getByRole("button", { name: "Revoke by secret" }).click();
    await page.getByRole("heading", { name: "Revocation" }).waitFor();
    expect(await page.getByRole("status").textContent()).toContain("Revoked");
    expect(await page.content()).not.toContain(key.secret);
    expect(revokedInClerk(key.id)).toBe(true);
  });

  it("refuses a cross-site POST, signed in or not", async () => {
    const attacked = await operator.newPage();
    await attacked.goto(attackerUrl);
    const [res] = await Promise.all([
      attacked.waitForNavigation(),
      attacked.getByRole("button", { name: "Claim" }).click(),
    ]);
    expect(res?.status()).toBe(403);
    expect(await attacked.textContent("body")).toContain(
      "came from another site, not from autorevoke itself",
    );
    await attacked.close();
  });
});

describe("the pages", () => {
  it("saves screenshots of the overview, the list, an incident and Clerk's health for the README", async () => {
    // A little more history, so the pictures show something of each kind.
    const keys = await Promise.all([liveKey(), liveKey(), liveKey()]);
    await sendAlert(keys.map((k) => k.secret));
    await control(tokenStack.clerk.url, "script", [{ status: 503, times: 50 }]);
    const stuck = await liveKey();
    await sendAlert([stuck.secret]);
    await control(tokenStack.clerk.url, "script", []);

    await page.goto(`${tokenStack.url}/console`);
    await page.screenshot({ path: join(screenshots, "console-overview.png"), fullPage: true });
    await page.goto(`${tokenStack.url}/console/incidents`);
    await page.screenshot({ path: join(screenshots, "console-incidents.png"), fullPage: true });
    await page
      .locator(`a[href="/console/incidents/${await sha256Hex(retried?.secret ?? keys[0]?.secret ?? "")}"]`)
      .click();
    await page.getByRole("heading", { name: "Clerk calls" }).waitFor();
    await page.screenshot({ path: join(screenshots, "console-incident.png"), fullPage: true });
    await page.goto(`${tokenStack.url}/console/health`);
    await page.getByRole("heading", { name: "Clerk health" }).waitFor();
    await page.screenshot({ path: join(screenshots, "console-health.png"), fullPage: true });
  });

  it("have no serious or critical accessibility violations (axe-core)", async () => {
    const hash = await sha256Hex(secrets[1] ?? "");
    const checked = [
      "/console",
      "/console/incidents?status=revoked",
      `/console/incidents/${hash}`,
      "/console/revoke",
      "/console/health",
    ];
    for (const path of checked) {
      await page.goto(`${tokenStack.url}${path}`);
      const { violations } = await new AxeBuilder({ page })
        .withTags(["wcag2a", "wcag2aa", "wcag21aa"])
        .analyze();
      const bad = violations
        .filter((x) => x.impact === "serious" || x.impact === "critical")
        .map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(" ")).join(", ")})`);
      expect(bad, path).toEqual([]);
    }
    const signedOut = await browser.newContext();
    const signInPage = await signedOut.newPage();
    await signInPage.goto(`${tokenStack.url}/console/sign-in`);
    const { violations } = await new AxeBuilder({ page: signInPage }).analyze();
    expect(violations.filter((x) => x.impact === "serious" || x.impact === "critical")).toEqual([]);
    await signedOut.close();
  });

  it("work with the keyboard alone: sign in, find an incident, revoke a key", async () => {
    const context = await browser.newContext();
    recordDocuments(context);
    const p = await context.newPage();
    /** Presses Tab until `selector` has the focus; fails if it never does. */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 60; i++) {
        await p.keyboard.press("Tab");
        if (await p.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) {
          // A visible focus ring on whatever has the focus.
          const outline = await p.evaluate(() => {
            const style = getComputedStyle(document.activeElement as Element);
            return style.outlineStyle !== "none" && style.outlineWidth !== "0px";
          });
          expect(outline, `focus ring on ${selector}`).toBe(true);
          return;
        }
      }
      throw new Error(`Tab never reached ${selector}`);
    };

    await p.goto(`${tokenStack.url}/console/sign-in`);
    await tabTo("a.skip");
    await tabTo("#token");
    await p.keyboard.type(LOCAL_ADMIN_TOKEN);
    await p.keyboard.press("Enter");
    await p.getByRole("heading", { name: "Overview" }).waitFor();

    await tabTo('nav a[href="/console/incidents"]');
    await p.keyboard.press("Enter");
    await p.getByRole("heading", { name: "Incidents" }).waitFor();
    await tabTo("#f-q");
    await p.keyboard.type(secrets[1]?.slice(0, 7) ?? "");
    await p.keyboard.press("Enter");
    await p.waitForURL(/q=/);
    await tabTo('a[href^="/console/incidents/"]');
    await p.keyboard.press("Enter");
    await p.getByRole("heading", { name: "Sightings" }).waitFor();

    const key = await liveKey();
    await tabTo('nav a[href="/console/revoke"]');
    await p.keyboard.press("Enter");
    await p.getByRole("heading", { name: "Revoke a key" }).waitFor();
    await tabTo("#key-id");
    await p.keyboard.type(key.id);
    await tabTo("#confirm-id");
    await p.keyboard.press("Space");
    await tabTo("form[aria-labelledby=by-id] button");
    await p.keyboard.press("Enter");
    await p.getByRole("heading", { name: "Revocation" }).waitFor();
    expect(revokedInClerk(key.id)).toBe(true);
    await context.close();
  });

  it("never carry a raw token: no page's HTML holds a secret made here", async () => {
    expect(documents.length).toBeGreaterThan(20);
    const scanner = createLeakScanner(secrets);
    const leak = scanner.find(Object.fromEntries(documents.map(([url, html], i) => [`${i} ${url}`, html])));
    expect(leak).toBeUndefined();
  });
});
