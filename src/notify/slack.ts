/**
 * @module
 * Slack incoming webhooks take `{text}` and no signature: a revocation event as a readable message.
 */
import { credentialKindOf } from "../domain/credential-kind";
import type { RevocationEvent } from "../domain/notify-event";

/** Slack's mrkdwn needs `&`, `<` and `>` escaped; everything else in an event is plain text. */
const escapeMrkdwn = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** Why an already inactive key was dead, in words. */
const INACTIVE_WORDS = {
  revoked_elsewhere: "was already revoked in Clerk",
  expired: "had already expired",
  deleted: "was deleted in Clerk before autorevoke could revoke it",
} as const;

/** The message's first line: what happened, and whether anyone must act. */
function headline(event: RevocationEvent, key: string): string {
  const noun = `Clerk ${credentialKindOf(event.data.token_type).noun}`;
  switch (event.type) {
    case "api_key.revoked":
      switch (event.data.action) {
        case "rotated":
          return `:rotating_light: Leaked ${noun} ${key} was rotated by autorevoke. The machine stops working until its owners deploy its new secret key (Clerk's dashboard shows it).`;
        case "grant_revoked":
          return `:rotating_light: Leaked ${noun} ${key}: autorevoke revoked its grant, so it and every token of the grant (refresh tokens too) no longer work.`;
        default:
          return `:rotating_light: Leaked ${noun} ${key} was revoked by autorevoke.`;
      }
    case "api_key.revocation_failed":
      return `:warning: autorevoke could not revoke leaked ${noun} ${key}. Revoke it by hand.`;
    case "api_key.already_inactive": {
      const why = event.data.already_inactive
        ? INACTIVE_WORDS[event.data.already_inactive]
        : "was already inactive";
      return `:information_source: Leaked ${noun} ${key} ${why}; nothing was revoked. Find out how it leaked.`;
    }
    case "api_key.cannot_be_revoked": {
      const until = event.data.key_expiration ? ` until ${event.data.key_expiration}` : " until it expires";
      return `:warning: Leaked ${noun} ${key} cannot be revoked: Clerk keeps no state for a JWT, so it works${until}. Find out how it leaked, and what it can reach.`;
    }
  }
}

/** The Slack message for an event. */
export function slackMessage(event: RevocationEvent): { text: string } {
  const d = event.data;
  const key = d.key_id
    ? `\`${d.key_id}\`${d.key_name ? ` (${escapeMrkdwn(d.key_name)})` : ""}`
    : `\`${d.token_prefix}\``;
  const where = [
    d.sender && `reported by ${d.sender}`,
    d.url && `at ${escapeMrkdwn(d.url)}`,
    d.source && `(${escapeMrkdwn(d.source)})`,
  ]
    .filter(Boolean)
    .join(" ");
  const lines = [headline(event, key)];
  if (where) lines.push(`Leak ${where}.`);
  if (d.key_subject) lines.push(`Owner: \`${d.key_subject}\``);
  if (d.instance) lines.push(`Clerk instance: \`${escapeMrkdwn(d.instance)}\``);
  if (d.failure_reason) lines.push(`Reason: ${escapeMrkdwn(d.failure_reason)}`);
  if (d.clerk_revocation_reason)
    lines.push(`Clerk's revocation reason: ${escapeMrkdwn(d.clerk_revocation_reason)}`);
  if (d.owner_email) {
    const o = d.owner_email;
    lines.push(
      o.state === "sent"
        ? `The key's owner was told by email (${o.to.join(", ")}).`
        : o.state === "not_sent"
          ? `The key's owner was not emailed (${escapeMrkdwn(o.reason ?? "unknown")}).`
          : "An email to the key's owner is owed (the console's incident page shows when it goes out).",
    );
  }
  lines.push(`Token prefix \`${d.token_prefix}\`, SHA-256 \`${d.token_hash}\`.`);
  return { text: lines.join("\n") };
}
