import { describe, expect, it } from "vitest";
import {
  answerExcerpt,
  hintFor,
  MAX_ANSWER_CHARS,
  MAX_ROWS_SHOWN,
  outcomeOf,
  parseFeedback,
  renderReport,
  rowsFor,
  tokenPrefix,
} from "./alert-report.ts";

describe("what a label means", () => {
  it("maps true_positive to revoked, false_positive to not a live key, and no label to queued", () => {
    expect(outcomeOf("true_positive")).toBe("revoked");
    expect(outcomeOf("false_positive")).toBe("not a live Clerk key");
    expect(outcomeOf(undefined)).toBe("queued for retry");
  });

  it("says a true_positive JWT is real and cannot be revoked, not that it was revoked", () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const jwt = `${part({ alg: "RS256", typ: "JWT", kid: "ins_1" })}.${part({ sub: "mch_abc", exp: 2_000_000_000 })}.${"A".repeat(342)}`;
    expect(outcomeOf("true_positive", jwt)).toBe("real, cannot be revoked");
    expect(outcomeOf("true_positive", "ak_someSecretValue0123456789")).toBe("revoked");
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

describe("reading the Worker's answer", () => {
  it("reads autorevoke's feedback array", () => {
    const text = JSON.stringify([{ token_hash: "h1", token_type: "clerk_api_key", label: "true_positive" }]);
    expect(parseFeedback(text)).toEqual([
      { token_hash: "h1", token_type: "clerk_api_key", label: "true_positive" },
    ]);
  });

  it("rejects an answer that is not JSON, or not feedback", () => {
    expect(parseFeedback("<html>proxy error</html>")).toBeUndefined();
    expect(parseFeedback('{"error":"nope"}')).toBeUndefined();
    expect(parseFeedback('[{"token_hash":"h1","token_type":"x","label":"maybe"}]')).toBeUndefined();
  });

  it("shows at most the first MAX_ANSWER_CHARS characters of an error answer", () => {
    expect(answerExcerpt("short")).toBe("short");
    expect(answerExcerpt("x".repeat(MAX_ANSWER_CHARS + 1))).toBe(`${"x".repeat(MAX_ANSWER_CHARS)}…`);
  });
});

describe("hints for an error status", () => {
  const url = new URL("https://w.example.dev/v1/alerts/gitlab");

  it("blames the webhook secret for a generic 401, and the signing key for an ECDSA one", () => {
    expect(hintFor(401, "generic", url)).toContain("INBOUND_WEBHOOK_SECRET");
    expect(hintFor(401, "github", url)).toContain("does not trust this signing key");
  });

  it("names the missing route and sender for a 404", () => {
    expect(hintFor(404, "gitlab", url)).toContain('no route /v1/alerts/gitlab: the "gitlab" sender');
  });

  it("points to the Worker's logs for a status it has no hint for", () => {
    expect(hintFor(500, "github", url)).toBe("See the Worker's logs for details.");
  });
});
