/**
 * @module
 * Who to tell that a key leaked (issue 26), through `@clerk/backend`, one Clerk call per lookup:
 * - a user (`user_…`): `users.getUser`, its primary email address;
 * - an organisation (`org_…`): `organizations.getOrganizationMembershipList` with the admin role, each admin's
 *   identifier when it is an email address (Clerk's identifier is the member's primary one).
 * Anything else (a machine, an OAuth client) has nobody an email can reach, and costs no call.
 */
import type { createClerkClient } from "@clerk/backend";
import * as v from "valibot";
import type { ClerkFailure } from "../domain/clerk-failure";
import { isEmailAddress, ownerKindOf } from "../domain/owner-email";
import { ok, type Result } from "../lib/result";
import { callClerk, invalidId } from "./call";

/** Clerk's role key for an organisation's admins. */
export const ORG_ADMIN_ROLE = "org:admin";
/** Admins told per organisation at most: one page of Clerk's list. */
export const MAX_ORG_ADMINS = 20;

const UserSchema = v.object({
  primaryEmailAddressId: v.nullable(v.string()),
  emailAddresses: v.array(v.object({ id: v.string(), emailAddress: v.string() })),
});
const MembershipsSchema = v.object({
  data: v.array(
    v.object({ publicUserData: v.nullish(v.object({ identifier: v.optional(v.nullable(v.string())) })) }),
  ),
});
/** Ids go into a path: Clerk's shapes only. */
const UserIdSchema = v.pipe(v.string(), v.regex(/^user_\w{1,64}$/));
const OrgIdSchema = v.pipe(v.string(), v.regex(/^org_\w{1,64}$/));

/** The owner lookups. */
export interface OwnerCalls {
  /** The addresses to tell about `subject`'s key; `[]` when nobody can be reached. */
  addressesOf(subject: string): Promise<Result<string[], ClerkFailure>>;
}

/** The owner lookups over one SDK client. */
export function createOwnerCalls(clerk: ReturnType<typeof createClerkClient>, timeoutMs: number): OwnerCalls {
  return {
    async addressesOf(subject) {
      switch (ownerKindOf(subject)) {
        case "user": {
          if (!v.is(UserIdSchema, subject)) return invalidId("invalid_user_id");
          const user = await callClerk(UserSchema, timeoutMs, () => clerk.users.getUser(subject));
          if (!user.ok) return user;
          const primary = user.value.emailAddresses.find((e) => e.id === user.value.primaryEmailAddressId);
          return ok(primary && isEmailAddress(primary.emailAddress) ? [primary.emailAddress] : []);
        }
        case "organization": {
          if (!v.is(OrgIdSchema, subject)) return invalidId("invalid_organization_id");
          const page = await callClerk(MembershipsSchema, timeoutMs, () =>
            clerk.organizations.getOrganizationMembershipList({
              organizationId: subject,
              role: [ORG_ADMIN_ROLE],
              limit: MAX_ORG_ADMINS,
            }),
          );
          if (!page.ok) return page;
          const addresses = page.value.data
            .map((m) => m.publicUserData?.identifier ?? "")
            .filter((id) => isEmailAddress(id));
          return ok([...new Set(addresses)]);
        }
        case "none":
          return ok([]);
      }
    },
  };
}
