import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../lib/encoding";
import { readConfig } from "./config";

const randomKey = (prefix = "sk_test_") =>
  `${prefix}${toBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, "x")}`;
const sealingKey = () => toBase64(crypto.getRandomValues(new Uint8Array(32)));
/** A fresh env object each time, since answers are cached per object. */
const env = (overrides: Record<string, unknown> = {}) => ({
  CLERK_SECRET_KEY: randomKey(),
  SEALING_KEYS: `k1=${sealingKey()}`,
  ...overrides,
});

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
      const urls = { CLERK_API_URL: "https://clerk.test", GITHUB_KEYS_URL: "https://keys.example/list" };
      expect(configOf(env(urls))).toMatchObject(urls);
    });

    it("defaults RETRY_BASE_DELAY_SECONDS to 10", () => {
      expect(configOf(env()).RETRY_BASE_DELAY_SECONDS).toBe(10);
    });

    it('reads RETRY_BASE_DELAY_SECONDS "3" as the number 3', () => {
      expect(configOf(env({ RETRY_BASE_DELAY_SECONDS: "3" })).RETRY_BASE_DELAY_SECONDS).toBe(3);
    });

    it("defaults SWEEP_GRACE_SECONDS to one cron interval (300), and reads a lower one", () => {
      expect(configOf(env()).SWEEP_GRACE_SECONDS).toBe(300);
      expect(configOf(env({ SWEEP_GRACE_SECONDS: "15" })).SWEEP_GRACE_SECONDS).toBe(15);
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

    it("refuses a SWEEP_GRACE_SECONDS that is not a whole number from 1 to 86400", () => {
      for (const bad of ["abc", "", "0", "1.5", "86401"]) {
        expect(errorOf(env({ SWEEP_GRACE_SECONDS: bad }))).toContain("SWEEP_GRACE_SECONDS");
      }
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

  describe("CLERK_SECRET_KEYS", () => {
    it("makes CLERK_SECRET_KEY alone the instance default", () => {
      const e = env();
      expect(configOf(e).clerkInstances).toEqual([{ name: "default", secretKey: e.CLERK_SECRET_KEY }]);
    });

    it("reads named instances without CLERK_SECRET_KEY, production first", () => {
      const staging = randomKey("sk_test_");
      const prod = randomKey("sk_live_");
      const config = configOf(
        env({ CLERK_SECRET_KEY: undefined, CLERK_SECRET_KEYS: `staging=${staging}\nprod=${prod}` }),
      );
      expect(config.clerkInstances).toEqual([
        { name: "prod", secretKey: prod },
        { name: "staging", secretKey: staging },
      ]);
    });

    it("is a core setting: a malformed list names CLERK_SECRET_KEYS and the entry, never a key", () => {
      const good = randomKey("sk_live_");
      const bad = randomKey("pk_live_");
      const error = errorOf(
        env({ CLERK_SECRET_KEY: undefined, CLERK_SECRET_KEYS: `prod=${good},staging=${bad}` }),
      );
      expect(error).toContain("CLERK_SECRET_KEYS");
      expect(error).toContain("entry 2 (staging)");
      for (const key of [good, bad]) expect(error).not.toContain(key.slice(8));
    });

    it("names both settings when neither is set", () => {
      const error = errorOf(env({ CLERK_SECRET_KEY: undefined }));
      expect(error).toContain("CLERK_SECRET_KEY");
      expect(error).toContain("CLERK_SECRET_KEYS");
    });
  });

  describe("SEALING_KEYS", () => {
    it("reads the keyring, oldest first", () => {
      const config = configOf(env({ SEALING_KEYS: `old=${sealingKey()}\nnew=${sealingKey()}` }));
      expect(config.SEALING_KEYS.map((k) => k.name)).toEqual(["old", "new"]);
    });

    it("is required: the whole config is refused without it", () => {
      const { SEALING_KEYS: _, ...without } = env();
      expect(errorOf(without)).toContain("SEALING_KEYS");
    });

    it("refuses a malformed keyring, naming the entry and never its key material", () => {
      const short = toBase64(crypto.getRandomValues(new Uint8Array(16)));
      const error = errorOf(env({ SEALING_KEYS: `good=${sealingKey()},bad=${short}` }));
      expect(error).toContain('SEALING_KEYS entry 2 ("bad")');
      expect(error).not.toContain(short.slice(0, 12));
    });

    it("never quotes key material, whichever entry is bad", () => {
      const keys = [sealingKey(), sealingKey()];
      const error = errorOf(env({ SEALING_KEYS: `a=${keys[0]},${keys[1]}` }));
      expect(error).toContain("SEALING_KEYS entry 2");
      for (const key of keys) expect(error).not.toContain(key.slice(0, 12));
    });
  });

  describe("an invalid optional setting switches off only its feature", () => {
    it.each([
      ["INBOUND_WEBHOOK_SECRET", "whsec_ab=cdefghijklmnopq", "generic"],
      ["INBOUND_WEBHOOK_SECRET", "not-a-webhook-secret-0123456789", "generic"],
      ["NOTIFY_SECRET", "whsec_ab=cdefghijklmnopq", "notify"],
      ["NOTIFY_URL", "not a url", "notify"],
      ["ADMIN_TOKEN", "too-short-admin-token", "admin"],
      ["GITLAB_KEYS_URL", "ftp://gitlab.example/keys", "gitlab"],
      ["DEPSDEV_KEYS_URL", "not a url", "depsdev"],
      ["DEPSDEV_IDENTIFIER_HEADER", "Not A Header!", "depsdev"],
      ["DEPSDEV_SIGNATURE_HEADER", "", "depsdev"],
      ["GITHUB_TOKEN", "  ", "github_token"],
      ["GITHUB_KEYS_URL", "ftp://keys.example/list", "github"],
      ["OWNER_EMAIL_FROM", "Security <security@example.com>", "owner_email"],
      ["OWNER_EMAIL_REPLY_TO", "security@example.com", "owner_email"],
    ])("%s = %j switches off %s", (name, value, feature) => {
      const config = configOf(env({ [name]: value }));
      expect(config.misconfigured).toEqual({ [feature]: expect.stringContaining(name) });
    });

    it("leaves every setting of a switched-off feature unset", () => {
      const config = configOf(env({ DEPSDEV_IDENTIFIER_HEADER: "Not A Header!" }));
      expect(config).not.toHaveProperty("DEPSDEV_KEYS_URL");
      expect(config).not.toHaveProperty("DEPSDEV_SIGNATURE_HEADER");
    });

    it("keeps the core settings and the other features", () => {
      const config = configOf(env({ NOTIFY_SECRET: "whsec_ab=cdefghijklmnopq" }));
      expect(config).toMatchObject({
        CLERK_API_URL: "https://api.clerk.com",
        GITHUB_KEYS_URL: "https://api.github.com/meta/public_keys/secret_scanning",
      });
    });

    it("names the variable but never echoes its value", () => {
      const values = {
        INBOUND_WEBHOOK_SECRET: "whsec_ab=cdefghijklmnopqSECRETMARK",
        NOTIFY_SECRET: "whsec_SECRETMARK=",
        NOTIFY_URL: "SECRETMARK not a url",
        ADMIN_TOKEN: "SECRETMARK-short",
        GITLAB_KEYS_URL: "ftp://SECRETMARK.example/keys",
        DEPSDEV_KEYS_URL: "SECRETMARK",
        GITHUB_KEYS_URL: "gopher://SECRETMARK/",
      };
      const problems = JSON.stringify(configOf(env(values)).misconfigured);
      for (const name of Object.keys(values)) expect(problems).toContain(name);
      expect(problems).not.toMatch(/secretmark/i);
    });

    it("reports no feature when every setting is valid or unset", () => {
      expect(configOf(env({ NOTIFY_URL: "", GITLAB_KEYS_URL: "" })).misconfigured).toEqual({});
    });
  });

  describe("URLs autorevoke calls", () => {
    const remoteHttp = "http://keys.example/list";

    it("refuses an http: CLERK_API_URL to a remote host", () => {
      expect(errorOf(env({ CLERK_API_URL: "http://api.clerk.com" }))).toContain("CLERK_API_URL");
    });

    it.each([
      ["https://api.clerk.com/v1", "https://api.clerk.com"],
      ["https://api.clerk.com/v1/", "https://api.clerk.com"],
      ["https://proxy.example/clerk/V1", "https://proxy.example/clerk"],
    ])("drops the API version the SDK adds itself from CLERK_API_URL (%s)", (url, origin) => {
      expect(configOf(env({ CLERK_API_URL: url })).CLERK_API_URL).toBe(origin);
    });

    it("takes a CLERK_API_URL with a path that is not the version (a proxy's prefix)", () => {
      expect(configOf(env({ CLERK_API_URL: "https://proxy.example/clerk" })).CLERK_API_URL).toBe(
        "https://proxy.example/clerk",
      );
    });

    it.each([
      ["GITHUB_KEYS_URL", "github"],
      ["GITLAB_KEYS_URL", "gitlab"],
      ["DEPSDEV_KEYS_URL", "depsdev"],
      ["NOTIFY_URL", "notify"],
    ])("switches off %s's feature for an http: URL to a remote host", (name, feature) => {
      expect(configOf(env({ [name]: remoteHttp })).misconfigured).toEqual({
        [feature]: expect.stringContaining(name),
      });
    });

    it.each([
      "http://localhost:8788",
      "http://127.0.0.1:8788/meta/public_keys",
      "http://127.255.0.1/",
      "http://[::1]:8788/",
    ])("accepts http: to the loopback host of %s", (url) => {
      const NOTIFY_SECRET = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
      const config = configOf(
        env({ CLERK_API_URL: url, GITHUB_KEYS_URL: url, NOTIFY_URL: url, NOTIFY_SECRET }),
      );
      expect(config.misconfigured).toEqual({});
      expect(config.CLERK_API_URL).toBe(url);
    });

    it.each([
      "http://localhost.example.com/",
      "http://127.0.0.1.example.com/",
      "http://0.0.0.0:8788/",
      "http://[::2]/",
    ])("refuses http: to %s, which is not loopback", (url) => {
      expect(errorOf(env({ CLERK_API_URL: url }))).toContain("CLERK_API_URL");
    });

    it("names the rule in the problem", () => {
      expect(errorOf(env({ CLERK_API_URL: "http://api.clerk.com" }))).toContain("https:");
    });
  });

  describe("Standard Webhooks secrets", () => {
    // The library's base64 decoder refuses padding anywhere but at the end; the old pattern did not.
    const undecodable = "whsec_ab=cdefghijklmnopq";

    it("refuses a whsec_ secret the standardwebhooks library cannot use", () => {
      expect(() => new Webhook(undecodable)).toThrow();
      const config = configOf(env({ INBOUND_WEBHOOK_SECRET: undecodable }));
      expect(config.INBOUND_WEBHOOK_SECRET).toBeUndefined();
      expect(config.misconfigured.generic).toContain("INBOUND_WEBHOOK_SECRET");
    });

    it("accepts a secret the library accepts", () => {
      const secret = "whsec_dGVzdC1ub3RpZnktc2VjcmV0LTAxMjM0NTY3ODlhYg==";
      expect(() => new Webhook(secret)).not.toThrow();
      expect(configOf(env({ NOTIFY_SECRET: secret })).NOTIFY_SECRET).toBe(secret);
    });
  });

  describe("operators' and senders' settings, case by case", () => {
    const adminToken = "an-operators-token-of-at-least-32-chars-0123";

    it("trims a trailing newline or space from ADMIN_TOKEN, so operators are not locked out", () => {
      expect(configOf(env({ ADMIN_TOKEN: `${adminToken}\n` })).ADMIN_TOKEN).toBe(adminToken);
      expect(configOf(env({ ADMIN_TOKEN: ` ${adminToken} ` })).ADMIN_TOKEN).toBe(adminToken);
    });

    it("switches the operators' API off for an ADMIN_TOKEN with whitespace inside", () => {
      const config = configOf(env({ ADMIN_TOKEN: `${adminToken.slice(0, 20)} ${adminToken.slice(20)}` }));
      expect(config.ADMIN_TOKEN).toBeUndefined();
      expect(config.misconfigured.admin).toMatch(/ADMIN_TOKEN/);
    });

    it("switches notifications off for a NOTIFY_URL without NOTIFY_SECRET, unless it is Slack", () => {
      const unsigned = configOf(env({ NOTIFY_URL: "https://hooks.example.test/autorevoke" }));
      expect(unsigned.NOTIFY_URL).toBeUndefined();
      expect(unsigned.misconfigured.notify).toMatch(/NOTIFY_SECRET/);
      const slack = configOf(env({ NOTIFY_URL: "https://hooks.slack.com/services/T0/B0/x" }));
      expect(slack.NOTIFY_URL).toBe("https://hooks.slack.com/services/T0/B0/x");
      expect(slack.misconfigured.notify).toBeUndefined();
    });

    it("keeps a valid INBOUND_WEBHOOK_SECRET, trimmed", () => {
      const secret = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
      expect(configOf(env({ INBOUND_WEBHOOK_SECRET: `${secret}\n` })).INBOUND_WEBHOOK_SECRET).toBe(secret);
    });

    it('reads GITLAB_KEYS_URL = "" as GitLab off, not as a mistake', () => {
      const config = configOf(env({ GITLAB_KEYS_URL: "" }));
      expect(config.GITLAB_KEYS_URL).toBeUndefined();
      expect(config.misconfigured.gitlab).toBeUndefined();
    });

    it("defaults deps.dev's header names, keeps valid ones and refuses one that is not a header name", () => {
      expect(configOf(env()).DEPSDEV_IDENTIFIER_HEADER).toBe("DepsDev-Public-Key-Identifier");
      expect(
        configOf(env({ DEPSDEV_SIGNATURE_HEADER: "GOSST-Public-Key-Signature" })).DEPSDEV_SIGNATURE_HEADER,
      ).toBe("GOSST-Public-Key-Signature");
      const bad = configOf(env({ DEPSDEV_IDENTIFIER_HEADER: "Not A Header!" }));
      expect(bad.DEPSDEV_IDENTIFIER_HEADER).toBeUndefined();
      expect(bad.misconfigured.depsdev).toMatch(/DEPSDEV_IDENTIFIER_HEADER/);
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

  describe("Cloudflare Access (ACCESS_TEAM_DOMAIN, ACCESS_AUD)", () => {
    const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";

    it("is off when neither is set", () => {
      const config = configOf(env({ ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: "" }));
      expect(config.ACCESS_TEAM_DOMAIN).toBeUndefined();
      expect(config.misconfigured.access).toBeUndefined();
    });

    it("takes a bare team domain as its https origin", () => {
      const config = configOf(env({ ACCESS_TEAM_DOMAIN: "myteam.cloudflareaccess.com", ACCESS_AUD: AUD }));
      expect(config.ACCESS_TEAM_DOMAIN).toBe("https://myteam.cloudflareaccess.com");
      expect(config.ACCESS_AUD).toBe(AUD);
    });

    it("takes an https URL, or plain http to loopback for local runs, as its origin", () => {
      for (const [value, origin] of [
        ["https://myteam.cloudflareaccess.com/", "https://myteam.cloudflareaccess.com"],
        ["http://127.0.0.1:8790", "http://127.0.0.1:8790"],
        ["http://localhost:8790/cdn-cgi", "http://localhost:8790"],
      ]) {
        expect(configOf(env({ ACCESS_TEAM_DOMAIN: value, ACCESS_AUD: AUD })).ACCESS_TEAM_DOMAIN).toBe(origin);
      }
    });

    it("switches Access off, naming the variable and not its value, for plain http beyond loopback", () => {
      const config = configOf(env({ ACCESS_TEAM_DOMAIN: "http://myteam.example.com", ACCESS_AUD: AUD }));
      expect(config.ACCESS_TEAM_DOMAIN).toBeUndefined();
      expect(config.misconfigured.access).toContain("ACCESS_TEAM_DOMAIN");
      expect(config.misconfigured.access).not.toContain("myteam");
    });

    it("switches Access off when only one of the two is set: never a silent fallback", () => {
      for (const half of [{ ACCESS_TEAM_DOMAIN: "myteam.cloudflareaccess.com" }, { ACCESS_AUD: AUD }]) {
        const config = configOf(env(half));
        expect(config.ACCESS_TEAM_DOMAIN).toBeUndefined();
        expect(config.ACCESS_AUD).toBeUndefined();
        expect(config.misconfigured.access).toBeDefined();
        expect(config.misconfigured.access).not.toContain(AUD);
      }
    });
  });
});
