/**
 * @module
 * In-house scanners sign with Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` with a shared
 * `whsec_` secret, checked by the `standardwebhooks` library with its 5-minute timestamp tolerance,
 * which bounds replays; a replay inside the window is harmless because processing is idempotent.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { err, ok } from "../lib/result";
import type { AlertVerifier } from "./alert-verifier";

/** Longest `webhook-signature` header accepted: a few rotated `v1,<base64>` signatures fit easily. */
export const MAX_WEBHOOK_SIGNATURE_CHARS = 1024;
/** Longest `webhook-id` accepted. */
export const MAX_WEBHOOK_ID_CHARS = 256;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Builds the verifier for one shared secret. */
export function createStandardWebhooksVerifier(secret: string): AlertVerifier {
  const webhook = new Webhook(secret);
  return (headers) => {
    const id = headers.get("webhook-id");
    const timestamp = headers.get("webhook-timestamp");
    const signature = headers.get("webhook-signature");
    if (!id || !timestamp || !signature) return err({ kind: "missing_headers" });
    if (id.length > MAX_WEBHOOK_ID_CHARS || signature.length > MAX_WEBHOOK_SIGNATURE_CHARS) {
      return err({ kind: "malformed_signature" });
    }
    return ok(async (body) => {
      let payload: string;
      try {
        payload = decoder.decode(body);
      } catch {
        // Not UTF-8: it cannot be the JSON anyone signed.
        return err({ kind: "bad_signature" });
      }
      try {
        webhook.verify(
          payload,
          { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature },
          { jsonParse: false },
        );
        return ok(undefined);
      } catch (error) {
        if (error instanceof WebhookVerificationError && /timestamp too (old|new)/.test(error.message)) {
          return err({ kind: "stale_timestamp" });
        }
        return err({ kind: "bad_signature" });
      }
    });
  };
}
