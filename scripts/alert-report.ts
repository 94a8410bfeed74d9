/**
 * @module
 * `npm run alert`'s output: what the Worker's answer means per token, the table that says so, and what an error
 * status most likely means. No I/O here, so it is tested on its own (scripts/alert-report.test.ts).
 */
import * as v from "valibot";
import { clerkCredentialTypeOf } from "../src/domain/clerk-ids.ts";
import { isUnrevocable } from "../src/domain/credential-kind.ts";
import type { Sender } from "./alert-target.ts";

/** Rows printed before a large batch is summarised instead. */
export const MAX_ROWS_SHOWN = 20;

/** Characters of a token shown, as the Worker's own `tokenPrefix`: never more than a quarter of it. */
const TOKEN_PREFIX_CHARS = 7;

/** A token cut to a prefix a human can recognise and nobody can use. */
export function tokenPrefix(token: string): string {
  return `${token.slice(0, Math.min(TOKEN_PREFIX_CHARS, Math.floor(token.length / 4)))}…`;
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

/** The Worker's answer as feedback, or undefined when it is not autorevoke's feedback array. */
export function parseFeedback(text: string): Feedback | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(FeedbackSchema, json);
  return parsed.success ? parsed.output : undefined;
}

/** What happened in Clerk, as the label (and, for a JWT, the token's shape) tells it. */
export type Outcome = "revoked" | "real, cannot be revoked" | "not a live Clerk key" | "queued for retry";

/**
 * `true_positive`: Clerk knew the secret and it is revoked (now, or earlier), or, for a JWT the instance signed, real
 * and beyond revoking (it works until it expires). `false_positive`: it cannot be a Clerk secret, or Clerk does not
 * know it. No label: still open — the Worker queued it and keeps retrying.
 */
export function outcomeOf(label: Label | undefined, token = ""): Outcome {
  switch (label) {
    case "true_positive":
      return isUnrevocable(clerkCredentialTypeOf(token) ?? "other") ? "real, cannot be revoked" : "revoked";
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
    return { prefix: tokenPrefix(token), label, outcome: outcomeOf(label, token) };
  });
}

/** Counts per outcome. */
export function tally(rows: readonly Row[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = {
    revoked: 0,
    "real, cannot be revoked": 0,
    "not a live Clerk key": 0,
    "queued for retry": 0,
  };
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
      (counts["real, cannot be revoked"] > 0
        ? `${counts["real, cannot be revoked"]} real but a JWT nothing can revoke, `
        : "") +
      `${counts["not a live Clerk key"]} not a live Clerk key, ${counts["queued for retry"]} queued for retry.`,
  );
  return out.join("\n");
}

/** The first line of the report: what was sent where, and how the Worker answered. */
export function headline(
  sender: Sender,
  tokens: number,
  url: URL,
  status: number,
  elapsedMs: number,
): string {
  return (
    `${sender} alert with ${tokens} match${tokens === 1 ? "" : "es"} → ${url.href}: ` +
    `HTTP ${status} in ${elapsedMs} ms`
  );
}

/** Characters of a non-2xx answer shown; an error page can be long, and its start says enough. */
export const MAX_ANSWER_CHARS = 2_000;

/** A non-2xx answer as shown: cut to `MAX_ANSWER_CHARS`. */
export function answerExcerpt(text: string): string {
  return text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}…` : text;
}

/** What a non-2xx status most likely means for this sender and alert URL. */
export function hintFor(status: number, sender: Sender, url: URL): string {
  switch (status) {
    case 401:
      return sender === "generic"
        ? "The signature was rejected: the target's INBOUND_WEBHOOK_SECRET is not the one used here (--webhook-secret)."
        : "The signature was rejected: the target does not trust this signing key. A deployed Worker checks the " +
            "sender's real public keys, so dev-signed alerts get 401 there unless its key-list URL publishes your key.";
    case 404:
      return `The target has no route ${url.pathname}: the "${sender}" sender is not configured there (its key-list URL or secret is unset) or not implemented yet, or the target is not autorevoke.`;
    case 503:
      return "The target is misconfigured or cannot fetch the sender's keys; its logs say which (config_invalid, alert_rejected).";
    case 413:
      return "The alert is larger than the Worker accepts (5 MiB); send fewer matches.";
    default:
      return "See the Worker's logs for details.";
  }
}

/** Printed after the table when some tokens are still open. */
export const QUEUED_NOTE =
  "Queued tokens stay open while Clerk cannot answer; the queue consumer retries them with backoff " +
  "(locally the first retry comes after ~2 s).\nSend the same alert again later to see their labels, " +
  "or watch revocation_attempt lines in the Worker's log.";
