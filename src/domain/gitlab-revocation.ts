/**
 * @module
 * GitLab's Token Revocation API, as autorevoke serves it to a self-managed GitLab: the token types it revokes, and a
 * revocation request turned into the matches every sender's alert becomes. GitLab calls the types endpoint first and
 * then sends only the findings whose type is listed, so a type outside the list is the caller's mistake (GitLab's
 * documented answer: 400, do not retry).
 */
import type { Match } from "./alert-body";

/** The sender name GitLab's revocation calls are recorded under (the partner program's alerts are `gitlab`). */
export const GITLAB_REVOCATION_SENDER = "gitlab_revocation";

/**
 * The types autorevoke revokes, as GitLab names them: the secrets analyzer's `primary_identifier.type` and `value`,
 * lower-cased and joined with `_`. GitLab's default ruleset has no Clerk rule, so the README's custom ruleset adds
 * one per Clerk credential kind (`id = "clerk_api_key"`, which GitLab names `gitleaks_rule_id_clerk_api_key`, and so
 * on). What each token is, is decided by its shape here (domain/clerk-ids.ts), whichever rule found it.
 */
export const GITLAB_REVOCABLE_TOKEN_TYPES = [
  "gitleaks_rule_id_clerk_api_key",
  "gitleaks_rule_id_clerk_m2m_token",
  "gitleaks_rule_id_clerk_oauth_access_token",
] as const;

/** One token GitLab asks to revoke. */
export interface GitlabRevocation {
  type: string;
  token: string;
  /** The file's URL in the repository, when GitLab sends one. */
  location?: string | null | undefined;
}

/** Whether GitLab may send tokens of `type` here. */
export const isRevocableType = (type: string): boolean =>
  (GITLAB_REVOCABLE_TOKEN_TYPES as readonly string[]).includes(type);

/** The request as matches: the sighting is the file's location, its source GitLab's secret detection. */
export const revocationMatches = (tokens: readonly GitlabRevocation[]): Match[] =>
  tokens.map((t) => ({
    token: t.token,
    type: t.type,
    url: t.location?.trim() ?? "",
    source: "gitlab_secret_detection",
  }));
