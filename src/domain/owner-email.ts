/**
 * @module
 * The email that tells a leaked key's owner what happened (issue 26): who is told, what it says, and how an address
 * is shown where not every reader is an operator. Pure: facts in, text out. It names the key by its name, prefix and
 * id, never its secret; it says where the key was found, or that the scanner did not say; it carries no link to
 * autorevoke and no tracking, only what to do next and whom to ask.
 */

/** Whose key it is, by its Clerk subject: a user, an organisation (its admins), or nobody an email can reach. */
export type OwnerKind = "user" | "organization" | "none";

/** The owner kind of a key's `subject` (`user_…`, `org_…`; a machine `mch_…`, an OAuth client, anything else: none). */
export function ownerKindOf(subject: string | null): OwnerKind {
  if (subject?.startsWith("user_")) return "user";
  if (subject?.startsWith("org_")) return "organization";
  return "none";
}

/** Where an owner email stands: owed, being sent (a crash here is never retried: no second copy), or ended. */
export type OwnerEmailState = "due" | "sending" | "sent" | "not_sent";

/** What the incident log tells the owner email. Never the secret. */
export interface OwnerEmailFacts {
  keyName: string | null;
  tokenPrefix: string;
  keyId: string | null;
  instance: string | null;
  revokedAt: number;
  /** Every URL the key was seen at, erased ones left out. */
  urls: string[];
}

/** An email in the shape Cloudflare's `send_email` binding takes (less `from`, `to` and `replyTo`). */
export interface OwnerEmail {
  subject: string;
  text: string;
  html: string;
}

/** The most URLs an email lists; the rest are counted. */
export const MAX_URLS_LISTED = 10;

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** One line of a header field: no line breaks, so a key name cannot add a header or a paragraph. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, " ").trim();

const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The key as a person knows it: its name, then its prefix and id. */
function keyWords(f: OwnerEmailFacts): { name: string; ids: string } {
  const name = f.keyName ? oneLine(f.keyName) : "an unnamed API key";
  const ids = [`prefix ${f.tokenPrefix}`, f.keyId ? `id ${f.keyId}` : null].filter(Boolean).join(", ");
  return { name, ids };
}

/** The email for a revoked key; `replyTo` is who to ask (`OWNER_EMAIL_REPLY_TO`), if set. */
export function buildOwnerEmail(f: OwnerEmailFacts, replyTo: string | undefined): OwnerEmail {
  const { name, ids } = keyWords(f);
  const listed = f.urls.slice(0, MAX_URLS_LISTED);
  const more = f.urls.length - listed.length;
  const where =
    listed.length === 0
      ? ["The scanner did not say where it found the key."]
      : [
          "It was found at:",
          ...listed.map((u) => `  - ${oneLine(u)}`),
          ...(more > 0 ? [`  (and ${more} more places)`] : []),
        ];
  const ask = replyTo
    ? `Questions? Reply to this email, or write to ${replyTo}.`
    : "Questions? Ask the team that runs your Clerk application.";
  const subject = `Your Clerk API key "${name}" was leaked and has been revoked`;
  const text = [
    `Your Clerk API key "${name}" (${ids}) was found in a public place and has been revoked.`,
    "",
    ...where,
    "",
    `It was revoked at ${utc(f.revokedAt)}. A revoked key cannot be restored: anything still using it now fails.`,
    "",
    "What to do now:",
    "  1. Create a new API key, and store it as a secret, not in code or configuration that others can read.",
    "  2. Check what used the old key, and move it to the new one.",
    "  3. Find out how the key leaked, and remove it from where it was found.",
    "",
    ask,
    "",
  ].join("\n");
  const li = (s: string) => `<li>${escapeHtml(s)}</li>`;
  const html = [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8"><title>',
    escapeHtml(subject),
    "</title></head>",
    '<body style="font-family: system-ui, sans-serif; line-height: 1.5; max-width: 40em; color: #1f2328;">',
    `<p>Your Clerk API key <strong>${escapeHtml(name)}</strong> (${escapeHtml(ids)}) was found in a public place and has been revoked.</p>`,
    listed.length === 0
      ? "<p>The scanner did not say where it found the key.</p>"
      : `<p>It was found at:</p><ul>${listed.map(li).join("")}${more > 0 ? li(`and ${more} more places`) : ""}</ul>`,
    `<p>It was revoked at ${escapeHtml(utc(f.revokedAt))}. A revoked key cannot be restored: anything still using it now fails.</p>`,
    "<p>What to do now:</p><ol>",
    li("Create a new API key, and store it as a secret, not in code or configuration that others can read."),
    li("Check what used the old key, and move it to the new one."),
    li("Find out how the key leaked, and remove it from where it was found."),
    "</ol>",
    `<p>${escapeHtml(ask)}</p>`,
    "</body></html>",
  ].join("");
  return { subject: oneLine(subject), text, html };
}

/** An address as the team's event and logs show it: the first letter of the local part, then the domain. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${address[0]}***${address.slice(at)}`;
}

/** An email address, plainly: one `@`, no spaces or brackets (what a header can carry safely). */
export const isEmailAddress = (s: string): boolean => /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/.test(s);
