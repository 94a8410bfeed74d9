import { describe, expect, it } from "vitest";
import { alertUrl, MAX_ROWS_SHOWN, outcomeOf, renderReport, rowsFor, tokenPrefix } from "./alert-report.ts";

describe("alertUrl", () => {
  it("appends the sender's route to a base URL, with or without a path prefix", () => {
    expect(alertUrl("http://127.0.0.1:8787", "github").href).toBe("http://127.0.0.1:8787/v1/alerts/github");
    expect(alertUrl("https://w.example.dev/", "gitlab").href).toBe("https://w.example.dev/v1/alerts/gitlab");
    expect(alertUrl("https://x.example/autorevoke/", "generic").href).toBe(
      "https://x.example/autorevoke/v1/alerts/generic",
    );
  });

  it("keeps a full alert URL as given", () => {
    expect(alertUrl("https://w.example.dev/v1/alerts/depsdev", "github").href).toBe(
      "https://w.example.dev/v1/alerts/depsdev",
    );
  });
});

describe("what a label means", () => {
  it("maps true_positive to revoked, false_positive to not a live key, and no label to queued", () => {
    expect(outcomeOf("true_positive")).toBe("revoked");
    expect(outcomeOf("false_positive")).toBe("not a live Clerk key");
    expect(outcomeOf(undefined)).toBe("queued for retry");
  });
});

describe("the report", () => {
  const sent = [
    { token: "ak_liveLiveLiveLiveLiveLiveLive", hash: "h1" },
    { token: "ak_unknownUnknownUnknownUnknown", hash: "h2" },
    { token: "ak_slowSlowSlowSlowSlowSlowSlow", hash: "h3" },
  ];
  const feedback = [
    { token_hash: "h1", token_type: "clerk_api_key", label: "true_positive" as const },
    { token_hash: "h2", token_type: "clerk_api_key", label: "false_positive" as const },
  ];

  it("labels rows by token hash, in the order sent, and shows prefixes only", () => {
    const text = renderReport(rowsFor(sent, feedback));
    expect(text).toMatch(/ak_live…\s+true_positive\s+revoked/);
    expect(text).toMatch(/ak_unkn…\s+false_positive\s+not a live Clerk key/);
    expect(text).toMatch(/ak_slow…\s+\(none\)\s+queued for retry/);
    for (const { token } of sent) expect(text).not.toContain(token);
    expect(text).toContain("3 tokens: 1 revoked, 1 not a live Clerk key, 1 queued for retry.");
  });

  it("shows the first rows of a large batch and counts them all", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      token: `ak_${i}xxxxxxxxxxxxxxxxxxxx`,
      hash: `h${i}`,
    }));
    const text = renderReport(rowsFor(many, []));
    expect(text.split("\n").filter((l) => l.startsWith("ak_"))).toHaveLength(MAX_ROWS_SHOWN);
    expect(text).toContain(`… and ${1000 - MAX_ROWS_SHOWN} more`);
    expect(text).toContain("1000 tokens: 0 revoked, 0 not a live Clerk key, 1000 queued for retry.");
  });

  it("never shows more than a quarter of a short token", () => {
    expect(tokenPrefix("ak_12345")).toBe("ak…");
    expect(tokenPrefix("ak_0123456789abcdefghijklmnop")).toBe("ak_0123…");
  });
});
