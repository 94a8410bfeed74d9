/**
 * @module
 * The shapes of single settings, as valibot schemas for `config.ts`. Every check carries its own message, which
 * says what is expected and never what was received (a setting may be a secret); `config.ts` prefixes the name.
 */

import { Webhook } from "standardwebhooks";
import * as v from "valibot";
import { isEmailAddress } from "../domain/owner-email";
import { parseKeyring } from "../lib/keyring";
import { parseClerkInstances } from "./clerk-instances";

/**
 * Whether autorevoke may call `value`: https, or plain http to a loopback host (the local stand-ins of `npm start`
 * and the tests). Clerk's API carries the instance secret key and the leaked secrets; a key list decides which
 * signatures are trusted; notifications carry key ids. None of it may cross a network in the clear. The host is
 * read after WHATWG parsing, which lowercases it and writes every IPv4 form (`127.1`, `0x7f.0.0.1`) as a dotted quad.
 */
export function isHttpsOrLoopback(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  if (url.protocol !== "http:") return false;
  return (
    url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)
  );
}

/** A URL autorevoke calls out to. */
export const serviceUrl = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.url("must be a URL"),
  v.check(isHttpsOrLoopback, "must be an https: URL (http: only to localhost, 127.0.0.0/8 or [::1])"),
);

/**
 * Clerk's Backend API origin, or a proxy's prefix for it. The SDK adds the version itself to most routes (and not to
 * the API keys', M2M tokens' and OAuth token verification's), so a URL ending in `/v1`, as the published spec's
 * `servers` entry does, would send the others to `/v1/v1/…` while API keys still worked. The `/v1` is dropped
 * instead of refused: a deployment that had it keeps revoking API keys through the upgrade, and its other calls mend.
 */
export const clerkApiUrl = v.pipe(
  serviceUrl,
  v.transform((url) => url.replace(/\/v1\/?$/i, "")),
);

/**
 * A Cloudflare Access team domain, `<team>.cloudflareaccess.com` or a URL, as the origin that issues Access tokens and
 * publishes their keys (`<origin>/cdn-cgi/access/certs`). A URL follows `isHttpsOrLoopback`, so a local run can point
 * it at a key set it controls on 127.0.0.1 while a deployment can only name an https origin.
 */
export const accessTeamDomain = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.transform((value) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`)),
  v.check(isHttpsOrLoopback, "must be a team domain (<team>.cloudflareaccess.com) or an https: URL"),
  v.transform((value) => new URL(value).origin),
);

/** A non-empty secret (tokens, API keys) that has no further shape to check. */
export const secretToken = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.minLength(1, "must not be blank"),
);

/** An HTTP header name, as deps.dev's are configured. */
export const headerName = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.regex(/^[A-Za-z0-9-]{1,100}$/, "must be an HTTP header name"),
);

/**
 * Whether the `standardwebhooks` library accepts `secret`. Its decoder is strict base64 (padding only at the end, a
 * length that is a multiple of 4), stricter than any pattern here; asking the library itself means config and
 * verifier can never disagree, as they did for `whsec_ab=cdefghijklmnopq`.
 */
function webhookAccepts(secret: string): boolean {
  try {
    new Webhook(secret);
    return true;
  } catch {
    return false;
  }
}

const WHSEC_MESSAGE = "must be a Standard Webhooks secret: whsec_ then the key in base64";

/** A Standard Webhooks secret, `whsec_` then base64, that the library will take. */
export const standardWebhooksSecret = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, WHSEC_MESSAGE),
  v.check(webhookAccepts, WHSEC_MESSAGE),
);

/**
 * The sealing keyring (src/lib/keyring.ts), parsed into named keys. Each problem names its entry by position (and by
 * name once that is known to be a name), never its key material.
 */
export const sealingKeyring = v.pipe(
  v.string("must be a string"),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseKeyring(dataset.value);
    if (parsed.ok) return parsed.value;
    for (const problem of parsed.error) addIssue({ message: problem });
    return NEVER;
  }),
);

/**
 * `CLERK_SECRET_KEYS`, parsed into named instances. Each problem names its entry by position (and by name once that is
 * known to be a name), never its key. Blank means unset (not through `emptyAsUnset`, whose union would replace the
 * entries' problems with a generic one).
 */
export const clerkInstanceList = v.pipe(
  v.string("must be a string"),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (dataset.value.trim() === "") return undefined;
    const parsed = parseClerkInstances(dataset.value);
    if (parsed.ok) return parsed.value;
    for (const problem of parsed.error) addIssue({ message: problem });
    return NEVER;
  }),
);

/** A GitHub App's id: the number on its settings page (`App ID`), not its client id. */
export const githubAppId = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.regex(/^[1-9][0-9]{0,11}$/, "must be the App's numeric App ID (its settings page), not the client ID"),
);

/**
 * A GitHub App's private key, PEM: PKCS#1 (`BEGIN RSA PRIVATE KEY`, as GitHub downloads it) or PKCS#8. A key pasted
 * into one line with literal `\n`s (a common slip with `wrangler secret put`) is taken as the PEM it stands for.
 */
export const githubAppPrivateKey = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.transform((pem) => pem.replaceAll("\\n", "\n")),
  v.regex(
    /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----$/,
    "must be the App's private key, the PEM file GitHub gave (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)",
  ),
);

/** A GitHub App's webhook secret (GitHub's manifest flow makes a 40-character one). */
export const githubWebhookSecret = v.pipe(
  v.string("must be a string"),
  v.minLength(16, "must be at least 16 characters"),
);

/** An email address for a header (`OWNER_EMAIL_FROM`, `OWNER_EMAIL_REPLY_TO`): one plain address, no display name. */
export const emailAddress = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.check(isEmailAddress, "must be one email address, like security@example.com"),
);
