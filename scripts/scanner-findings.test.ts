import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GITLEAKS_FIXTURE_MATCHES, TRUFFLEHOG_FIXTURE_MATCHES } from "./fixtures/fixture-matches.ts";
import { keepClerkShaped, scannerErrorMessage } from "./scanner-findings.ts";
import { parseGitleaksReport } from "./scanner-gitleaks.ts";
import { parseTrufflehogReport } from "./scanner-trufflehog.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("reading a Gitleaks JSON report", () => {
  it("turns each finding into a match located by its link, or file@commit#line", () => {
    const parsed = parseGitleaksReport(fixture("gitleaks-report.json"));
    if (!parsed.ok) throw new Error(parsed.error.kind);
    const { kept, skipped } = keepClerkShaped(parsed.value);
    expect(parsed.value).toHaveLength(3);
    expect(skipped).toBe(1);
    expect(kept).toEqual(GITLEAKS_FIXTURE_MATCHES);
  });

  it("refuses a report that is not an array of findings, without echoing it", () => {
    const secret = "ak_fa4e0c1d9b2a7e6f5c3d8b1a0e9f7c6d5b4a3e2f";
    for (const text of ["not json", `{"Secret":"${secret}"}`, `[{"Secret":"${secret}","StartLine":"x"}]`]) {
      const parsed = parseGitleaksReport(text);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      const message = scannerErrorMessage("gitleaks", parsed.error);
      expect(message).toMatch(/gitleaks/);
      expect(message).not.toContain(secret);
    }
  });
});

describe("reading a TruffleHog JSONL report", () => {
  it("turns each line into a match located by the git file, commit and line", () => {
    const parsed = parseTrufflehogReport(fixture("trufflehog-report.jsonl"));
    if (!parsed.ok) throw new Error(parsed.error.kind);
    const { kept, skipped } = keepClerkShaped(parsed.value);
    expect(parsed.value).toHaveLength(2);
    expect(skipped).toBe(1);
    expect(kept).toEqual(TRUFFLEHOG_FIXTURE_MATCHES);
  });

  it("names the bad line of a malformed report, without echoing it", () => {
    const secret = "ak_1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";
    const text = `${fixture("trufflehog-report.jsonl")}{"Raw":"${secret}","Verified":"yes"}\n`;
    const parsed = parseTrufflehogReport(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const message = scannerErrorMessage("trufflehog", parsed.error);
    expect(message).toContain("line 3");
    expect(message).not.toContain(secret);
  });
});
