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

/** `adminAuth`'s refusals: no or a wrong token, the API off, too many failures from one IP. */
export const OPERATOR_REFUSALS = {
  401: shared("Unauthorized"),
  404: shared("NotFound"),
  429: shared("TooManyAttempts"),
} satisfies RouteDescription["responses"];
