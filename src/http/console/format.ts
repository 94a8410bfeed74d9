/**
 * @module
 * How the console writes times, durations and statuses. Pure: every function takes plain values. Times are UTC,
 * since operators in several time zones compare notes about one incident.
 */
import type { IncidentStatus } from "../../domain/incident";

/** `2026-11-29 06:54:34 UTC`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `2026-11-29`. */
export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A duration at the precision an operator reads: `850 ms`, `4.2 s`, `3 min`, `2.5 h`, `3 d`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0).replace(/\.0$/, "")} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1).replace(/\.0$/, "")} h`;
  return `${(ms / 86_400_000).toFixed(1).replace(/\.0$/, "")} d`;
}

/** What each status means to an operator, in a word or two. */
export const STATUS_TEXT: Record<IncidentStatus, string> = {
  pending: "pending",
  revoked: "revoked",
  not_found: "not found",
  ignored: "ignored",
  failed: "failed",
};

/** Why an operator would care, in one line. */
export const STATUS_HELP: Record<IncidentStatus, string> = {
  pending: "being revoked; the queue keeps trying",
  revoked: "Clerk confirmed the key is revoked",
  not_found: "Clerk does not know the secret",
  ignored: "not shaped like a Clerk secret",
  failed: "gave up after real Clerk failures: retry it",
};

/** An http(s) URL a sender reported, as a link target; `undefined` for anything else (`javascript:` above all). */
export function safeLink(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
