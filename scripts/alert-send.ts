/**
 * @module
 * Posts a signed alert and reads the whole answer. A target that cannot be reached is an expected failure here (the
 * user forgot `npm start`), so it comes back as a value with a sentence for the user.
 */
import { err, ok, type Result } from "../src/lib/result.ts";
import type { SignedAlert } from "./alert-request.ts";

/** How long to wait for the answer; the Worker answers within its 8 s inline deadline plus queueing. */
export const RESPONSE_TIMEOUT_MS = 60_000;

/** The Worker's answer. */
export interface Answer {
  status: number;
  ok: boolean;
  text: string;
  elapsedMs: number;
}

/** Why no answer came: nothing listens, it took too long, or anything else `fetch` reports. */
export type SendError =
  | { kind: "refused"; origin: string }
  | { kind: "timeout"; url: string; timeoutMs: number }
  | { kind: "failed"; url: string; reason: string };

/** Sends the alert; an answer of any status is a success here, since the report explains error statuses too. */
export async function sendAlert(
  alert: SignedAlert,
  timeoutMs: number = RESPONSE_TIMEOUT_MS,
): Promise<Result<Answer, SendError>> {
  const startedAt = Date.now();
  try {
    const response = await fetch(alert.url, {
      method: "POST",
      headers: alert.headers,
      body: alert.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return ok({ status: response.status, ok: response.ok, text, elapsedMs: Date.now() - startedAt });
  } catch (error) {
    // Node's fetch reports network errors as a TypeError whose `cause` holds the system error.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    if (cause && "code" in cause && cause.code === "ECONNREFUSED") {
      return err({ kind: "refused", origin: alert.url.origin });
    }
    if (error instanceof Error && error.name === "TimeoutError") {
      return err({ kind: "timeout", url: alert.url.href, timeoutMs });
    }
    const reason = cause?.message ?? (error instanceof Error ? error.message : String(error));
    return err({ kind: "failed", url: alert.url.href, reason });
  }
}

/** The sentence `npm run alert` prints for a failed send. */
export function sendErrorMessage(error: SendError): string {
  switch (error.kind) {
    case "refused":
      return `nothing answers at ${error.origin}. Is \`npm start\` running? (Or pass --target.)`;
    case "timeout":
      return `no answer from ${error.url} within ${error.timeoutMs / 1000} s.`;
    case "failed":
      return `could not send to ${error.url}: ${error.reason}`;
  }
}
