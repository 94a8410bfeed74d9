/**
 * @module
 * The alert `npm run alert` sends: the body a secret-scanning partner posts, signed as its sender signs it (ECDSA
 * P-256 under the dev key for github, gitlab and depsdev; Standard Webhooks HMAC for generic). No I/O: the key, the
 * secret and the clock come in, so the signatures are checked in scripts/alert-request.test.ts.
 */
import { Webhook } from "standardwebhooks";
import { createAlertRequest, type SigningKey } from "../dev/signer.ts";
import { randomHex } from "../dev/standin-util.ts";
import type { Sender } from "./alert-target.ts";

/** Random bytes in a Standard Webhooks message id (`msg_` + hex). */
const WEBHOOK_ID_BYTES = 12;

/** What each match says besides its token. */
export interface MatchDetails {
  /** Token type, e.g. `clerk_api_key`. */
  type: string;
  /** Where the token was found. */
  url: string;
  /** Where in the repository, e.g. `content`. */
  source: string;
}

/** How the alert is signed: the ECDSA senders need the signing key, `generic` a `whsec_` secret. */
export type AlertSigning =
  | { sender: Exclude<Sender, "generic">; key: SigningKey }
  | { sender: "generic"; webhookSecret: string };

/** A signed alert, ready for `fetch(url, { method: "POST", headers, body })`. */
export interface SignedAlert {
  url: URL;
  headers: Record<string, string>;
  /** The exact bytes that were signed, as a string. */
  body: string;
}

/** One match of the body: a token and where it was found. */
export type AlertMatch = MatchDetails & { token: string };

/** The partner alert body: one match per token, in order, each with the same details. */
export function alertBody(tokens: readonly string[], details: MatchDetails): string {
  return matchesBody(
    tokens.map((token) => ({ type: details.type, url: details.url, source: details.source, token })),
  );
}

/** The partner alert body from matches that each say where they were found (a scanner's report). */
export function matchesBody(matches: readonly AlertMatch[]): string {
  return JSON.stringify(matches.map(({ token, type, url, source }) => ({ token, type, url, source })));
}

/**
 * Signs `body` for `url`. `now` is the Standard Webhooks timestamp (the Worker accepts 5 minutes either way), and
 * `messageId` defaults to a random `msg_` id.
 */
export async function signAlert(input: {
  url: URL;
  body: string;
  signing: AlertSigning;
  now: Date;
  messageId?: string;
}): Promise<SignedAlert> {
  const { url, body, signing, now } = input;
  if (signing.sender === "generic") {
    const id = input.messageId ?? `msg_${randomHex(WEBHOOK_ID_BYTES)}`;
    return {
      url,
      body,
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": new Webhook(signing.webhookSecret).sign(id, now, body),
      },
    };
  }
  const request = await createAlertRequest({ url: url.href, body, key: signing.key, sender: signing.sender });
  return { url, body, headers: request.headers };
}
