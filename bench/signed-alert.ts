/**
 * @module
 * A GitHub alert for the local stack, signed with its signing key the way GitHub signs: the body the bench sends for
 * `matches`, and the request. The load only ever goes to 127.0.0.1.
 */
import type { LocalStack } from "../dev/local-stack.ts";
import { type AlertRequest, createAlertRequest } from "../dev/signer.ts";
import { assertLoopback } from "./load.ts";

/** One match of an alert body. */
export interface BenchMatch {
  token: string;
  type: string;
  url: string;
  source: string;
}

/** The signed alert for `matches`, and its body. */
export async function signedAlert(
  stack: LocalStack,
  matches: readonly BenchMatch[],
): Promise<{ signed: AlertRequest; body: string }> {
  const body = JSON.stringify(matches);
  const signed = await createAlertRequest({
    url: stack.alertUrl("github"),
    body,
    key: stack.signingKey,
    sender: "github",
  });
  assertLoopback(signed.url);
  return { signed, body };
}
