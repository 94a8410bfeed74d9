/**
 * @module
 * Delivers one event to NOTIFY_URL: signed with Standard Webhooks (`NOTIFY_SECRET`), or as a Slack
 * message when the URL is a Slack incoming webhook. Failures come back classified for the queue.
 */
import { Webhook } from "standardwebhooks";
import { eventId, isSlackWebhook, type RevocationEvent } from "../domain/notify-event";
import { err, ok, type Result } from "../lib/result";
import { slackMessage } from "./slack";

/** Per delivery; receivers that take longer are retried later. */
export const NOTIFY_TIMEOUT_MS = 10_000;

/**
 * How long a delivery holds its event in the outbox: longer than a send can take (it is aborted at NOTIFY_TIMEOUT_MS),
 * so a second copy never sends beside a live first; a Worker that died holding it delays the event by no more.
 */
export const NOTIFY_HOLD_MS = NOTIFY_TIMEOUT_MS + 20_000;

/** Why a delivery failed, and whether another attempt can help. */
export type DeliveryFailure = { kind: "retryable" | "final"; reason: string };

/** Delivers events. */
/** Delivers `event`; `generation` (see `eventId`) tells one event from the next of its kind about the same token. */
export type Deliver = (event: RevocationEvent, generation?: number) => Promise<Result<void, DeliveryFailure>>;

/** Dependencies of the deliverer. */
export interface DeliverOptions {
  url: string;
  secret: string | undefined;
  fetch: typeof fetch;
  now: () => number;
}

/** Builds the deliverer for one NOTIFY_URL. */
export function createDeliverer(options: DeliverOptions): Deliver {
  const slack = isSlackWebhook(options.url);
  const webhook = options.secret ? new Webhook(options.secret) : undefined;

  return async (event, generation) => {
    let body: string;
    const headers = new Headers({ "content-type": "application/json", "user-agent": "autorevoke" });
    if (slack) {
      body = JSON.stringify(slackMessage(event));
    } else {
      // An unsigned event could be forged by anyone who learns the URL; refuse to send one.
      if (!webhook) return err({ kind: "final", reason: "notify_secret_unset" });
      body = JSON.stringify(event);
      const id = eventId(event.type, event.data.token_hash, generation);
      const at = new Date(options.now());
      headers.set("webhook-id", id);
      headers.set("webhook-timestamp", String(Math.floor(at.getTime() / 1000)));
      headers.set("webhook-signature", webhook.sign(id, at, body));
    }
    let response: Response;
    try {
      response = await options.fetch(options.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === "TimeoutError" ? "notify_timeout" : "notify_network_error";
      return err({ kind: "retryable", reason });
    }
    await response.body?.cancel();
    if (response.ok) return ok(undefined);
    const reason = `notify_http_${response.status}`;
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    return err({ kind: retryable ? "retryable" : "final", reason });
  };
}
