/**
 * @module
 * The numbers each measure is held to (issues 5, 10 and 15), apart from the checks that apply them (budgets.ts), so
 * that the measures and the reasons for a miss can read a budget without a cycle through the checks.
 */

/** Signed one-match alerts per second, at least this share of `GET /health` requests per second. */
export const OVERHEAD_BUDGET_RATIO = 0.5;
/** 100 live keys labelled within 1.5× the 6-connection bound. */
export const BATCH_100_BUDGET_FACTOR = 1.5;
export const BATCH_10K_BUDGET_MS = 10_000;
/** GitHub's answer deadline. */
export const GITHUB_DEADLINE_MS = 15_000;
/** A big leak at Clerk's rate limit: every key revoked within this factor of the rate bound (issue 10). */
export const RATE_BOUND_BUDGET_FACTOR = 1.25;
/** ...with at most this share of Clerk's answers 429 (issue 10's test budget). */
export const MAX_429_SHARE = 0.05;
/**
 * The distance model (issue 15): each path from receipt to revocation (to the answer, for a path with nothing to
 * revoke) within this factor of the bound, two Clerk calls and one D1 round trip.
 */
export const DISTANCE_BUDGET_FACTOR = 1.2;
/** The deploy bundle, gzip-compressed, in KiB. */
export const BUNDLE_BUDGET_GZIP_KIB = 64;
/** Signature check and parsing of a one-match alert, CPU milliseconds in workerd. */
export const CPU_BUDGET_ONE_MATCH_MS = 1;
/** The Workers free plan's CPU limit per request: context for the CPU budget, not a budget itself. */
export const FREE_PLAN_CPU_MS = 10;
