/**
 * @module
 * The pure half of `npm run alert`: where to send, what the answer means per token, and the table that says so.
 * No I/O here, so it is tested on its own (scripts/alert-report.test.ts).
 */
import * as v from "valibot";

/** Senders `npm run alert` can sign for; `generic` is Standard Webhooks HMAC, the rest ECDSA. */
export const SENDERS = ["github", "gitlab", "depsdev", "generic"] as const;
export type Sender = (typeof SENDERS)[number];

/** Rows printed before a large batch is summarised instead. */
export const MAX_ROWS_SHOWN = 20;

/** Characters of a token shown, as the Worker's own `tokenPrefix`: never more than a quarter of it. */
const TOKEN_PREFIX_CHARS = 7;

/** A token cut to a prefix a human can recognise and nobody can use. */
export function tokenPrefix(token: string): string {
  return `${token.slice(0, Math.min(TOKEN_PREFIX_CHARS, Math.floor(token.length / 4)))}…`;
}

/**
 * The alert URL for `--target`: a full `…/v1/alerts/<sender>` URL is used as given; anything else is a base
 * (`https://autorevoke.example.workers.dev`, or with a path prefix) that gets `/v1/alerts/<sender>` appended.
 */
export function alertUrl(target: string, sender: Sender): URL {
  const url = new URL(target);
  if (/\/v1\/alerts\/[^/]+\/?$/.test(url.pathname)) return url;
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/alerts/${sender}`;
  return url;
}

/** The Worker's answer: a label for each token whose outcome is known. */
export const FeedbackSchema = v.array(
  v.object({
    token_hash: v.string(),
    token_type: v.string(),
    label: v.picklist(["true_positive", "false_positive"]),
  }),
);
export type Feedback = v.InferOutput<typeof FeedbackSchema>;
export type Label = Feedback[number]["label"];

/** What happened in Clerk, as the label tells it. */
export type Outcome = "revoked" | "not a live Clerk key" | "queued for retry";

/**
 * `true_positive`: Clerk knew the secret and it is revoked (now, or earlier). `false_positive`: it cannot be a Clerk
 * secret, or Clerk does not know it. No label: still open — the Worker queued it and keeps retrying.
 */
export function outcomeOf(label: Label | undefined): Outcome {
  switch (label) {
    case "true_positive":
      return "revoked";
    case "false_positive":
      return "not a live Clerk key";
    case undefined:
      return "queued for retry";
  }
}

/** One sent token and what became of it. */
export interface Row {
  prefix: string;
  label: Label | undefined;
  outcome: Outcome;
  /** What the local Clerk stand-in says, when the target is the local stack. */
  standin?: string;
}

/** Rows in the order the tokens were sent, labels matched by token hash. */
export function rowsFor(sent: readonly { token: string; hash: string }[], feedback: Feedback): Row[] {
  const labels = new Map(feedback.map((f) => [f.token_hash, f.label]));
  return sent.map(({ token, hash }) => {
    const label = labels.get(hash);
    return { prefix: tokenPrefix(token), label, outcome: outcomeOf(label) };
  });
}

/** Counts per outcome. */
export function tally(rows: readonly Row[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { revoked: 0, "not a live Clerk key": 0, "queued for retry": 0 };
  for (const row of rows) counts[row.outcome]++;
  return counts;
}

/** The table (at most `MAX_ROWS_SHOWN` rows) and a summary line. */
export function renderReport(rows: readonly Row[]): string {
  const shown = rows.slice(0, MAX_ROWS_SHOWN);
  const withStandin = shown.some((r) => r.standin !== undefined);
  const header = ["TOKEN", "LABEL", "IN CLERK", ...(withStandin ? ["CLERK STAND-IN SAYS"] : [])];
  const cells = shown.map((r) => [
    r.prefix,
    r.label ?? "(none)",
    r.outcome,
    ...(withStandin ? [r.standin ?? ""] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [line(header), ...cells.map(line)];
  if (rows.length > shown.length) out.push(`… and ${rows.length - shown.length} more`);
  const counts = tally(rows);
  out.push(
    "",
    `${rows.length} token${rows.length === 1 ? "" : "s"}: ${counts.revoked} revoked, ` +
      `${counts["not a live Clerk key"]} not a live Clerk key, ${counts["queued for retry"]} queued for retry.`,
  );
  return out.join("\n");
}
