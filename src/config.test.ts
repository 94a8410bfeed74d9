import { describe, expect, it } from "vitest";
import { readConfig } from "./config";
import { toBase64 } from "./lib/encoding";

const randomKey = (prefix = "sk_test_") =>
  `${prefix}${toBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, "x")}`;
/** A fresh env object each time, since answers are cached per object. */
const env = (overrides: Record<string, unknown> = {}) => ({ CLERK_SECRET_KEY: randomKey(), ...overrides });

function configOf(e: object) {
  const result = readConfig(e);
  if (!result.ok) throw new Error(`expected a valid config, got: ${result.error}`);
  return result.value;
}

function errorOf(e: object) {
  const result = readConfig(e);
  if (result.ok) throw new Error("expected the config to be refused");
  return result.error;
}

describe("readConfig", () => {
  describe("happy path", () => {
    it("keeps the Clerk secret key", () => {
      const e = env();
      expect(configOf(e).CLERK_SECRET_KEY).toBe(e.CLERK_SECRET_KEY);
    });

    it("accepts a live key", () => {
      const key = randomKey("sk_live_");
      expect(configOf(env({ CLERK_SECRET_KEY: key })).CLERK_SECRET_KEY).toBe(key);
    });

    it("defaults the Clerk API and GitHub key list URLs", () => {
      expect(configOf(env())).toMatchObject({
        CLERK_API_URL: "https://api.clerk.com",
        GITHUB_KEYS_URL: "https://api.github.com/meta/public_keys/secret_scanning",
      });
    });

    it("keeps given URLs", () => {
      const urls = { CLERK_API_URL: "http://clerk.test", GITHUB_KEYS_URL: "https://keys.example/list" };
      expect(configOf(env(urls))).toMatchObject(urls);
    });

    it("defaults RETRY_BASE_DELAY_SECONDS to 10", () => {
      expect(configOf(env()).RETRY_BASE_DELAY_SECONDS).toBe(10);
    });

    it('reads RETRY_BASE_DELAY_SECONDS "3" as the number 3', () => {
      expect(configOf(env({ RETRY_BASE_DELAY_SECONDS: "3" })).RETRY_BASE_DELAY_SECONDS).toBe(3);
    });

    it("trims the secret key", () => {
      const key = randomKey();
      expect(configOf(env({ CLERK_SECRET_KEY: `  ${key}\n` })).CLERK_SECRET_KEY).toBe(key);
    });

    it("leaves GITHUB_TOKEN out when it is not set", () => {
      expect(configOf(env()).GITHUB_TOKEN).toBeUndefined();
    });

    it("ignores unrelated bindings", () => {
      expect(configOf(env({ DB: {}, SOMETHING_ELSE: "x" }))).not.toHaveProperty("SOMETHING_ELSE");
    });
  });

  describe("errors", () => {
    it("names CLERK_SECRET_KEY when it is missing", () => {
      expect(errorOf({})).toContain("CLERK_SECRET_KEY");
    });

    it("names CLERK_SECRET_KEY but never echoes a malformed value", () => {
      for (const bad of [randomKey("pk_live_"), randomKey("sk_prod_"), `${randomKey()} ${randomKey()}`]) {
        const error = errorOf(env({ CLERK_SECRET_KEY: bad }));
        expect(error).toContain("CLERK_SECRET_KEY");
        for (const piece of bad.split(/[\s_]+/).filter((p) => p.length > 8))
          expect(error).not.toContain(piece);
      }
    });

    it("refuses an empty CLERK_SECRET_KEY", () => {
      expect(errorOf(env({ CLERK_SECRET_KEY: "" }))).toContain("CLERK_SECRET_KEY");
    });

    it("names a URL that is not a URL", () => {
      expect(errorOf(env({ CLERK_API_URL: "not a url" }))).toContain("CLERK_API_URL");
    });

    it("refuses a URL that is not http(s)", () => {
      expect(errorOf(env({ GITHUB_KEYS_URL: "ftp://keys.example/list" }))).toContain("GITHUB_KEYS_URL");
    });

    it("refuses an empty GITHUB_TOKEN", () => {
      expect(errorOf(env({ GITHUB_TOKEN: "  " }))).toContain("GITHUB_TOKEN");
    });

    it("refuses a RETRY_BASE_DELAY_SECONDS that is not a whole number from 1 to 3600", () => {
      for (const bad of ["abc", "", "0", "1.5", "3601", -2]) {
        expect(errorOf(env({ RETRY_BASE_DELAY_SECONDS: bad }))).toContain("RETRY_BASE_DELAY_SECONDS");
      }
    });

    it("reports every offending variable at once", () => {
      const error = errorOf({ CLERK_API_URL: "nope", RETRY_BASE_DELAY_SECONDS: "x" });
      for (const name of ["CLERK_SECRET_KEY", "CLERK_API_URL", "RETRY_BASE_DELAY_SECONDS"]) {
        expect(error).toContain(name);
      }
    });
  });

  describe("caching", () => {
    it("answers the same result for the same env object", () => {
      const e = env();
      expect(readConfig(e)).toBe(readConfig(e));
    });

    it("validates an env object once: later changes to it are not seen", () => {
      const e = env();
      const first = configOf(e);
      e.CLERK_SECRET_KEY = "broken";
      expect(configOf(e)).toBe(first);
    });

    it("validates each env object on its own", () => {
      const good = env();
      expect(readConfig(good).ok).toBe(true);
      expect(readConfig({ ...good, CLERK_SECRET_KEY: "broken" }).ok).toBe(false);
    });
  });
});
