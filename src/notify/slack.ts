/**
 * @module
 * Slack incoming webhooks take `{text}` and no signature: a revocation event as a readable message.
 */
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
  switch (event.type) {
    case "api_key.revoked":
      return `:rotating_light: Leaked Clerk API key ${key} was revoked by autorevoke.`;
    case "api_key.revocation_failed":
      return `:warning: autorevoke could not revoke leaked Clerk API key ${key}. Revoke it by hand.`;
    case "api_key.already_inactive": {
      const why = event.data.already_inactive
        ? INACTIVE_WORDS[event.data.already_inactive]
        : "was already inactive";
      return `:information_source: Leaked Clerk API key ${key} ${why}; nothing was revoked. Find out how it leaked.`;
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
  lines.push(`Token prefix \`${d.token_prefix}\`, SHA-256 \`${d.token_hash}\`.`);
  return { text: lines.join("\n") };
}
