/**
 * @module
 * Sends an owner email through Cloudflare's Email Service, the `send_email` binding (`env.EMAIL.send`), from
 * `OWNER_EMAIL_FROM` with `OWNER_EMAIL_REPLY_TO` as its reply-to. One message per recipient, so no owner sees another's
 * address. What the binding throws is classified, never echoed: an address the binding refuses (on the free plan, any
 * address not verified in the account) is final; a service that says it is busy or down is retried; anything else
 * (a timeout, a dropped connection) may have sent it, so it is never sent again.
 */
import type { OwnerEmail } from "../domain/owner-email";
import { err, ok, type Result } from "../lib/result";

/** Why a send did not happen, or may not have: `uncertain`, the message may have gone. */
export type MailFailure = { kind: "refused" | "retryable" | "uncertain"; reason: string };

/** Sends owner emails. */
export interface OwnerMailer {
  send(to: string, email: OwnerEmail): Promise<Result<void, MailFailure>>;
}

/** What the binding's errors say when an address or sender is not allowed (Cloudflare's codes, Miniflare's words). */
const REFUSED = /not allowed|not verified|E_RECIPIENT|E_SENDER|E_VALIDATION/i;
/** What they say when the service took nothing: rate limited, or down. */
const NOT_TAKEN = /rate.?limit|too many|unavailable|E_RATE_LIMIT|E_INTERNAL_SERVER_ERROR|\b(429|503)\b/i;

/** The mailer over the binding. */
export function createOwnerMailer(
  binding: SendEmail,
  from: string,
  replyTo: string | undefined,
): OwnerMailer {
  return {
    async send(to, email) {
      try {
        await binding.send({
          from,
          to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          ...(replyTo ? { replyTo } : {}),
        });
        return ok(undefined);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (REFUSED.test(message)) return err({ kind: "refused", reason: "email_refused" });
        if (NOT_TAKEN.test(message)) return err({ kind: "retryable", reason: "email_service_unavailable" });
        return err({ kind: "uncertain", reason: "email_send_uncertain" });
      }
    },
  };
}
