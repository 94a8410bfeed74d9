import { describe, expect, it } from "vitest";
import { DEFAULT_LEAK_URL, HELP, MAX_RANDOM_SECRETS, parseAlertOptions } from "./alert-options.ts";

/** The options of a command line that must parse. */
function optionsOf(argv: string[]) {
  const result = parseAlertOptions(argv);
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  if (result.value.kind !== "send") throw new Error("asked for help");
  return result.value.options;
}

/** The message of a command line that must be refused. */
function refusalOf(argv: string[]): string {
  const result = parseAlertOptions(argv);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.value)}`);
  return result.error.message;
}

describe("npm run alert's options", () => {
  describe("accepted", () => {
    it("defaults to a github alert of one clerk_api_key match, with nothing to count", () => {
      expect(optionsOf([])).toEqual({
        token: [],
        count: 0,
        kind: "api-key",
        type: "clerk_api_key",
        url: DEFAULT_LEAK_URL,
        source: "content",
        sender: "github",
      });
    });

    it("collects a repeated --token in order", () => {
      expect(optionsOf(["--token", "ak_one", "--token", "ghp_two"]).token).toEqual(["ak_one", "ghp_two"]);
    });

    it("reads --count as a number, up to the cap", () => {
      expect(optionsOf(["--count", "1000"]).count).toBe(1000);
      expect(optionsOf(["--count", String(MAX_RANDOM_SECRETS)]).count).toBe(MAX_RANDOM_SECRETS);
    });

    it("takes every other option as given", () => {
      const options = optionsOf([
        "--instance=prod",
        "--type",
        "other_token",
        "--url",
        "https://gitlab.example/x",
        "--source",
        "commit",
        "--sender",
        "generic",
        "--target",
        "https://w.example.dev",
        "--key-file",
        "/tmp/key.json",
        "--webhook-secret",
        "whsec_abc",
        "--clerk-standin",
        "",
      ]);
      expect(options).toMatchObject({
        instance: "prod",
        type: "other_token",
        url: "https://gitlab.example/x",
        source: "commit",
        sender: "generic",
        target: "https://w.example.dev",
        "key-file": "/tmp/key.json",
        "webhook-secret": "whsec_abc",
        "clerk-standin": "",
      });
    });

    it.each(["api-key", "m2m", "machine-secret", "oauth", "m2m-jwt", "oauth-jwt"])(
      "takes --kind %s, for a credential of that kind",
      (kind) => {
        expect(optionsOf(["--kind", kind]).kind).toBe(kind);
        expect(optionsOf([`--kind=${kind}`, "--instance", "prod"])).toMatchObject({ kind, instance: "prod" });
      },
    );

    it("lists every --kind in --help", () => {
      for (const kind of ["api-key", "m2m", "machine-secret", "oauth", "m2m-jwt", "oauth-jwt"]) {
        expect(HELP).toContain(kind);
      }
    });

    it("asks for help with --help or -h", () => {
      expect(parseAlertOptions(["--help"])).toEqual({ ok: true, value: { kind: "help" } });
      expect(parseAlertOptions(["--token", "ak_x", "-h"])).toEqual({ ok: true, value: { kind: "help" } });
    });
  });

  describe("refused, each with a message that names the option", () => {
    it.each([
      [["--count", "many"], "--count must be a whole number"],
      [["--count", "1.5"], "--count must be a whole number"],
      [["--count=-1"], "--count must be 0 or more"],
      [["--count", String(MAX_RANDOM_SECRETS + 1)], `--count is capped at ${MAX_RANDOM_SECRETS}`],
      [["--instance", "dev"], "--instance must be prod or staging"],
      [["--kind", "jwt"], "--kind must be one of api-key, m2m, machine-secret, oauth, m2m-jwt, oauth-jwt"],
      [["--kind", "OAuth"], "--kind must be one of api-key, m2m, machine-secret, oauth, m2m-jwt, oauth-jwt"],
      [["--kind", ""], "--kind must be one of"],
      [["--sender", "bitbucket"], "--sender must be one of github, gitlab, depsdev, generic"],
      [["--target", "localhost-8787"], "--target must be a URL"],
      [["--webhook-secret", "hunter2"], "--webhook-secret must start with whsec_"],
      [["--token", ""], "--token must not be empty"],
      [["--type", ""], "--type must not be empty"],
    ])("%j", (argv, message) => {
      expect(refusalOf(argv)).toContain(message);
    });

    it("refuses an unknown option and points to --help", () => {
      const message = refusalOf(["--tokens", "ak_x"]);
      expect(message).toContain("Unknown option '--tokens'");
      expect(message).toContain("npm run alert -- --help");
    });

    it("refuses an option without its value", () => {
      expect(refusalOf(["--token"])).toContain("'--token <value>' argument missing");
    });

    it("refuses a stray argument without printing it back, since it is most likely a token", () => {
      const message = refusalOf(["ak_straySecretWithoutTokenOption"]);
      expect(message).toContain("pass a token with --token");
      expect(message).not.toContain("ak_straySecret");
    });

    it("refuses a bad option even beside --help", () => {
      expect(refusalOf(["--help", "--count", "x"])).toContain("--count must be a whole number");
    });
  });

  describe("--from", () => {
    it("reads the scanner and the report's file, and sends as the generic sender", () => {
      expect(optionsOf(["--from", "gitleaks", "report.json"])).toMatchObject({
        from: "gitleaks",
        report: "report.json",
        sender: "generic",
      });
      expect(optionsOf(["--from", "trufflehog", "--sender", "generic", "t.jsonl"])).toMatchObject({
        from: "trufflehog",
        report: "t.jsonl",
      });
    });

    it("refuses a scanner it cannot read", () => {
      expect(refusalOf(["--from", "semgrep", "r.json"])).toBe("--from must be one of gitleaks, trufflehog");
    });

    it("refuses --from without a report, or with two", () => {
      expect(refusalOf(["--from", "gitleaks"])).toContain("--from needs the report's file");
      expect(refusalOf(["--from", "gitleaks", "a.json", "b.json"])).toContain(
        "--from needs the report's file",
      );
    });

    it("refuses options that would contradict the report's own tokens and sightings", () => {
      for (const clash of [
        ["--token", "ak_x"],
        ["--count", "3"],
        ["--url", "https://x"],
        ["--source", "s"],
      ]) {
        expect(refusalOf(["--from", "gitleaks", "r.json", ...clash])).toContain(`drop ${clash[0]}`);
      }
      expect(refusalOf(["--from", "gitleaks", "r.json", "--sender", "github"])).toContain("generic route");
    });
  });
});
