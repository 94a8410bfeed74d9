/**
 * @module
 * The senders autorevoke accepts alerts from. An ECDSA sender is a route name, two header names and a
 * key-list URL; the in-house sender is a Standard Webhooks secret. A sender whose configuration is
 * absent is off, and its route answers 404; one whose configuration is invalid is off too, and its route
 * answers 503 (config.ts, `misconfigured`).
 */
import type { Config } from "../config/config";
import { isSenderName, type SenderName } from "../domain/senders";
import type { AlertVerifier } from "./alert-verifier";
import { createEcdsaAlertVerifier } from "./ecdsa-alert-verifier";
import type { KeyCache } from "./key-cache";
import { createStandardWebhooksVerifier } from "./standard-webhooks-verifier";

/** The ECDSA senders' facts; deps.dev's header names come from configuration, absent when it is switched off. */
interface EcdsaSender {
  keysUrl: string | undefined;
  /** Only GitHub's API takes a token for a higher rate limit. */
  keysToken?: string | undefined;
  identifierHeader: string | undefined;
  signatureHeader: string | undefined;
}

/** The verifier of each configured sender. */
export function buildVerifiers(
  config: Config,
  keyCacheFor: (url: string, token: string | undefined) => KeyCache,
): Partial<Record<SenderName, AlertVerifier>> {
  const ecdsa: Record<Exclude<SenderName, "generic">, EcdsaSender> = {
    github: {
      keysUrl: config.GITHUB_KEYS_URL,
      keysToken: config.GITHUB_TOKEN,
      identifierHeader: "Github-Public-Key-Identifier",
      signatureHeader: "Github-Public-Key-Signature",
    },
    gitlab: {
      keysUrl: config.GITLAB_KEYS_URL,
      identifierHeader: "Gitlab-Public-Key-Identifier",
      signatureHeader: "Gitlab-Public-Key-Signature",
    },
    depsdev: {
      keysUrl: config.DEPSDEV_KEYS_URL,
      identifierHeader: config.DEPSDEV_IDENTIFIER_HEADER,
      signatureHeader: config.DEPSDEV_SIGNATURE_HEADER,
    },
  };
  const verifiers: Partial<Record<SenderName, AlertVerifier>> = {};
  for (const [name, sender] of Object.entries(ecdsa)) {
    const { keysUrl, keysToken, identifierHeader, signatureHeader } = sender;
    if (!keysUrl || !identifierHeader || !signatureHeader || !isSenderName(name)) continue;
    verifiers[name] = createEcdsaAlertVerifier({
      keys: keyCacheFor(keysUrl, keysToken),
      identifierHeader,
      signatureHeader,
    });
  }
  if (config.INBOUND_WEBHOOK_SECRET)
    verifiers.generic = createStandardWebhooksVerifier(config.INBOUND_WEBHOOK_SECRET);
  return verifiers;
}
