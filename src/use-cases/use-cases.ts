/**
 * @module
 * Everything the Worker does, as one catalogue: the HTTP layer and the queue and cron handlers call these and nothing
 * below them. src/wiring.ts builds it from the configuration, with each use case given only what it needs.
 */

import type { AccessVerifier } from "../access/access-verifier";
import type { Config } from "../config/config";
import type { ClerkInstanceHealth } from "../domain/clerk-health";
import type { IncidentHistory, IncidentOverview } from "../domain/incident";
import type { SenderName } from "../domain/senders";
import type { AlertRef } from "../github/github-app-client";
import type { RequeueResult } from "../incidents/operator-writes";
import type { OwnerEmailRecord } from "../incidents/owner-emails";
import type { IncidentFilter, IncidentPage, ListPosition } from "../incidents/reads";
import type { Logger } from "../lib/log";
import type { Result } from "../lib/result";
import type { AlertVerifier } from "../senders/alert-verifier";
import type { AlertInput, AlertSummary } from "./process-alert";
import type { RecheckProgress } from "./recheck-not-found";
import type { RefreshResult } from "./refresh-machine-secrets";
import type { InstanceError, ManualRevocation } from "./revoke-manually";
import type { SweepResult } from "./sweep";

/** What keeps work alive after the response: `ExecutionContext.waitUntil`. */
export type WaitUntil = (promise: Promise<unknown>) => void;

/** The Worker's use cases, ready to call. */
export interface UseCases {
  config: Config;
  log: Logger;
  /** One per configured sender; a missing one means the sender is off. */
  verifiers: Partial<Record<SenderName, AlertVerifier>>;
  /** Cloudflare Access's token check for operators; absent when ACCESS_TEAM_DOMAIN and ACCESS_AUD are not set. */
  access: AccessVerifier | undefined;
  /** Records a verified alert, revokes what it can within the sender's deadline, queues the rest. */
  processAlert(input: AlertInput, waitUntil: WaitUntil): Promise<AlertSummary>;
  /** Whether `signature` (X-Hub-Signature-256) is the App's signature of `body`; false while the App is off. */
  verifyGithubDelivery(body: string, signature: string | undefined): Promise<boolean>;
  /** Queues a GitHub App delivery's alert, to be read and acted on from the queue; false when the queue refused it. */
  queueGithubAlert(ref: AlertRef): Promise<boolean>;
  /** Handles a batch of the revocation queue: revocations, notifications, records D1 could not take. */
  consumeRevocations(batch: MessageBatch<unknown>): Promise<void>;
  /** Handles a batch of the dead-letter queue. */
  consumeDeadLetters(batch: MessageBatch<unknown>): Promise<void>;
  /**
   * Reads machine secret key hashes from Clerk (refresh-machine-secrets.ts): by the cron at its scheduled time `at`,
   * due ones only; `force`, an operator's, lists the machines now.
   */
  refreshMachineSecrets(options?: { force?: boolean; at?: number }): Promise<RefreshResult[]>;
  /** The cron's sweep at its scheduled time: stranded work, owed notifications, erasure, resealing. */
  sweep(scheduledTime: number): Promise<SweepResult>;
  /** An operator revokes the key a leaked secret belongs to. */
  revokeSecret(secret: string, reason: string, waitUntil: WaitUntil): Promise<ManualRevocation>;
  /** An operator revokes a key by id, on the instance named (optional when there is only one). */
  revokeKeyId(
    keyId: string,
    reason: string,
    instance: string | undefined,
    waitUntil: WaitUntil,
  ): Promise<Result<ManualRevocation, InstanceError>>;
  /** A failed incident, or a not-found one to check again, goes back in line. */
  retryIncident(tokenHash: string): Promise<RequeueResult>;
  /** Every `not_found` verdict given since `since` (ms) is checked with Clerk again, in the background. */
  recheckNotFound(since: number): Promise<RecheckProgress>;
  /** One page of incidents, newest first. */
  listIncidents(
    filter: IncidentFilter,
    after: ListPosition | undefined,
    limit: number,
  ): Promise<IncidentPage>;
  /** One incident with its history. */
  incidentHistory(tokenHash: string): Promise<IncidentHistory | undefined>;
  /** The key owner's email about an incident, when one was owed (issue 26). */
  ownerEmailOf(tokenHash: string): Promise<OwnerEmailRecord | undefined>;
  /** The incident log at a glance as of `now`, for the console's overview. */
  incidentOverview(now: number): Promise<IncidentOverview>;
  /** Each configured Clerk instance, checked now: one paced Clerk call each (./check-clerk-health.ts). */
  checkClerkHealth(): Promise<ClerkInstanceHealth[]>;
  /** The cron's check: the same, logging each instance that is not ok. Never throws. */
  watchClerkHealth(): Promise<void>;
}
