/**
 * @module
 * The stand-in's users and organizations: whoever an API key belongs to (its `subject`), so the Worker has someone to
 * tell when the key leaks. The control API creates them, as the dashboard would; the Clerk API reads a user
 * (`GET /users/{user_id}`) and a page of an organization's memberships, filtered by role. Nothing changes them after
 * creation, and they are not kept across `npm start` runs (the demo keys' owners are seeded again at every start).
 *
 * Choices where Clerk is stricter or the spec is silent:
 * - Addresses are taken as given, not checked: a test can hand the Worker an address it must refuse.
 * - An organization's members are named by address; a user whose primary address that is joins, or a new one is
 *   made. Two users may share an address here, unlike on Clerk; the first made is the one an organization finds.
 * - Memberships are listed newest first, as `@clerk/backend` documents the list; those made at once (one
 *   organization's), last named first. `order_by` and the other filters are not served.
 */
import * as v from "valibot";
import {
  ORGANIZATION_ID_PATTERN,
  type OrganizationMembershipJson,
  USER_ID_PATTERN,
  type UserJson,
} from "../clerk-schemas.ts";
import { BASE62_ALPHABET, randomString } from "../standin-util.ts";
import {
  type MemberRecord,
  membershipJson,
  type OrganizationRecord,
  type OrganizationRole,
  primaryEmail,
  type UserRecord,
  userJson,
} from "./owner-json.ts";

/** An address as the control API takes it: any text an address field could hold. */
const AddressSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(320));

/** Input for a user created on the control side. */
export const StandinUserInputSchema = v.strictObject({
  /** A chosen id (a demo key's subject, say); random otherwise. */
  id: v.optional(v.pipe(v.string(), v.regex(USER_ID_PATTERN))),
  /** The primary address; `user-<n>@example.test` when absent, none at all when `null`. */
  email: v.optional(v.nullable(AddressSchema)),
  /** Further addresses, never primary. */
  extra_emails: v.optional(v.array(AddressSchema)),
});
export type StandinUserInput = v.InferInput<typeof StandinUserInputSchema>;

/** Input for an organization created on the control side: its admins and other members, by address. */
export const StandinOrganizationInputSchema = v.pipe(
  v.strictObject({
    id: v.optional(v.pipe(v.string(), v.regex(ORGANIZATION_ID_PATTERN))),
    name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
    admins: v.optional(v.array(AddressSchema)),
    members: v.optional(v.array(AddressSchema)),
  }),
  v.check((o) => {
    const all = [...(o.admins ?? []), ...(o.members ?? [])];
    return new Set(all).size === all.length;
  }, "each address once among admins and members"),
);
export type StandinOrganizationInput = v.InferInput<typeof StandinOrganizationInputSchema>;

/** A user as the control API reports it. */
export interface StandinUserState {
  id: string;
  email: string | null;
  extra_emails: string[];
}

/** A member as the control API reports it. */
export interface StandinMember {
  user_id: string;
  email: string | null;
}

/** An organization as the control API reports it: its admins and its other members. */
export interface StandinOrganizationState {
  id: string;
  name: string;
  admins: StandinMember[];
  members: StandinMember[];
}

/** What the memberships list asks for. */
export interface MembershipQuery {
  /** Only members holding one of these roles; every member when empty. */
  roles: readonly string[];
  offset: number;
  limit: number;
}

/** The users and organizations of one stand-in instance. */
export interface OwnerStore {
  /** Creates a user, replacing one with the same id. */
  addUser(input: StandinUserInput): StandinUserState;
  /** Creates an organization and whichever of its members no user is yet, replacing one with the same id. */
  addOrganization(input: StandinOrganizationInput): StandinOrganizationState;
  /** A user as `GET /users/{user_id}` answers it, or `undefined`. */
  userJson(id: string): UserJson | undefined;
  /** A page of an organization's memberships, or `undefined` when there is no such organization. */
  membershipPage(
    organizationId: string,
    query: MembershipQuery,
  ): { data: OrganizationMembershipJson[]; total_count: number } | undefined;
  users(): StandinUserState[];
  organizations(): StandinOrganizationState[];
  clear(): void;
}

/** Builds an empty store; `now` (milliseconds) stamps users and memberships. */
export function createOwnerStore(now: () => number): OwnerStore {
  const users = new Map<string, UserRecord>();
  const organizations = new Map<string, OrganizationRecord>();
  // Numbers the default addresses; starts again after a clear, as the users are gone.
  let made = 0;

  const newId = (prefix: string) => `${prefix}_${randomString(BASE62_ALPHABET, 27)}`;
  const userState = (u: UserRecord): StandinUserState => ({
    id: u.id,
    email: primaryEmail(u),
    extra_emails: u.emails.slice(1).map((e) => e.address),
  });
  const memberOf = (m: MemberRecord): StandinMember => {
    const user = users.get(m.userId);
    return { user_id: m.userId, email: user ? primaryEmail(user) : null };
  };
  const orgState = (o: OrganizationRecord): StandinOrganizationState => ({
    id: o.id,
    name: o.name,
    admins: o.members.filter((m) => m.role === "org:admin").map(memberOf),
    members: o.members.filter((m) => m.role === "org:member").map(memberOf),
  });

  function addUser(input: StandinUserInput): UserRecord {
    made++;
    const primary = input.email === undefined ? `user-${made}@example.test` : input.email;
    const addresses = [...(primary === null ? [] : [primary]), ...(input.extra_emails ?? [])];
    const user: UserRecord = {
      id: input.id ?? newId("user"),
      emails: addresses.map((address) => ({ id: newId("idn"), address })),
      createdAt: now(),
    };
    users.set(user.id, user);
    return user;
  }

  const userWithAddress = (address: string) =>
    [...users.values()].find((u) => primaryEmail(u) === address) ?? addUser({ email: address });

  return {
    addUser: (input) => userState(addUser(input)),
    addOrganization(input) {
      const at = now();
      const name = input.name ?? `standin-org-${randomString(BASE62_ALPHABET, 6)}`;
      const named: [string, OrganizationRole][] = [
        ...(input.admins ?? []).map((a): [string, OrganizationRole] => [a, "org:admin"]),
        ...(input.members ?? []).map((a): [string, OrganizationRole] => [a, "org:member"]),
      ];
      const org: OrganizationRecord = {
        id: input.id ?? newId("org"),
        name,
        slug: name.toLowerCase().replaceAll(/[^a-z0-9]+/g, "-"),
        members: named.map(([address, role]) => ({
          membershipId: newId("orgmem"),
          userId: userWithAddress(address).id,
          role,
          createdAt: at,
        })),
        createdAt: at,
      };
      organizations.set(org.id, org);
      return orgState(org);
    },
    userJson(id) {
      const user = users.get(id);
      return user && userJson(user);
    },
    membershipPage(organizationId, { roles, offset, limit }) {
      const org = organizations.get(organizationId);
      if (!org) return undefined;
      const matching = org.members
        .map((member, seq) => ({ member, seq }))
        .filter(({ member }) => roles.length === 0 || roles.includes(member.role))
        .sort((a, b) => b.member.createdAt - a.member.createdAt || b.seq - a.seq)
        .map(({ member }) => membershipJson(org, member, users.get(member.userId)));
      return { data: matching.slice(offset, offset + limit), total_count: matching.length };
    },
    users: () => [...users.values()].map(userState),
    organizations: () => [...organizations.values()].map(orgState),
    clear() {
      users.clear();
      organizations.clear();
      made = 0;
    },
  };
}
