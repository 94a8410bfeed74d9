/**
 * @module
 * What every operators' route says in the OpenAPI document: bearer security, and the refusals of `adminAuth`
 * (admin-auth.ts), which runs before any of them.
 */
import { type RouteDescription, shared } from "./describe-route";

/** Tag and security of an operators' route. */
export const OPERATOR_ROUTE = {
  tags: ["operators"],
  security: [{ adminToken: [] }],
} satisfies Partial<RouteDescription>;

/**
 * `adminAuth`'s refusals: no or a wrong token, the API off, too many failures from one IP; and the 503 of a
 * misconfigured API (or Worker), which comes before any of them.
 */
export const OPERATOR_REFUSALS = {
  401: shared("Unauthorized"),
  404: shared("NotFound"),
  429: shared("TooManyAttempts"),
  503: shared("OperatorsUnavailable"),
} satisfies RouteDescription["responses"];

/** An operators' change (a POST) may also be refused as cross-site, before its credentials are looked at. */
export const OPERATOR_WRITE_REFUSALS = {
  ...OPERATOR_REFUSALS,
  403: shared("CrossSite"),
} satisfies RouteDescription["responses"];
