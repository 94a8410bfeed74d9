/**
 * @module
 * GitHub's webhook signature, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` keyed with the App's
 * webhook secret, checked by Octokit's `@octokit/webhooks-methods` (Web Crypto, a constant-time verify). The body is
 * checked as GitHub signs it: its bytes, read as UTF-8.
 */
import { verify } from "@octokit/webhooks-methods";

/** The header's shape: anything else is refused before any crypto. */
const SIGNATURE_SHAPE = /^sha256=[0-9a-f]{64}$/;

/** Whether `header` is GitHub's signature of `body` under `secret`. */
export async function verifyHubSignature(
  secret: string,
  body: string,
  header: string | undefined,
): Promise<boolean> {
  if (header === undefined || !SIGNATURE_SHAPE.test(header)) return false;
  try {
    return await verify(secret, body, header);
  } catch {
    return false;
  }
}
