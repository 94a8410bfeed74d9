/**
 * @module
 * The stand-in's users and organization memberships as Clerk's published objects (`User`, `EmailAddress`,
 * `OrganizationMembership`, `Organization`, `OrganizationMembershipPublicUserData`), from what the owner store holds.
 * Apart from ids, addresses, roles and timestamps every property has the value of a plain user made through the
 * dashboard: no name, no image of its own, no second factor, nothing linked. Kept apart from the store so the wire
 * shapes, which follow the spec and `@clerk/backend`'s deserializers, change in one place.
 */
import type {
  EmailAddressJson,
  OrganizationJson,
  OrganizationMembershipJson,
  UserJson,
} from "../clerk-schemas.ts";

/** The roles of Clerk's default role set the stand-in's members hold. */
export type OrganizationRole = "org:admin" | "org:member";

/** An email address of a user: its `idn_` id and the address as given. */
export interface EmailRecord {
  id: string;
  address: string;
}

/** A user as the owner store holds it. */
export interface UserRecord {
  id: string;
  /** The primary address first, then the others; none for a user without an address. */
  emails: EmailRecord[];
  createdAt: number;
}

/** One membership of an organization: whose, which role, and its own id. */
export interface MemberRecord {
  membershipId: string;
  userId: string;
  role: OrganizationRole;
  createdAt: number;
}

/** An organization as the owner store holds it. */
export interface OrganizationRecord {
  id: string;
  name: string;
  slug: string;
  members: MemberRecord[];
  createdAt: number;
}

/**
 * The image every user and organization shows: Clerk hands out a default avatar URL for those without one. Nothing
 * fetches it; the host is a reserved `.test` name.
 */
const DEFAULT_IMAGE_URL = "https://img.clerk.test/default.png";

/** The permissions of Clerk's default roles (its system permissions). */
const ROLE_PERMISSIONS: Record<OrganizationRole, readonly string[]> = {
  "org:admin": [
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
  ],
  "org:member": ["org:sys_memberships:read"],
};
const ROLE_NAMES: Record<OrganizationRole, string> = { "org:admin": "Admin", "org:member": "Member" };

/** A user's primary address, `null` for a user without one. */
export function primaryEmail(user: UserRecord): string | null {
  return user.emails[0]?.address ?? null;
}

function emailAddressJson(email: EmailRecord, at: number): EmailAddressJson {
  return {
    id: email.id,
    object: "email_address",
    email_address: email.address,
    reserved: false,
    verification: {
      object: "verification_admin",
      status: "verified",
      strategy: "admin",
      attempts: null,
      expire_at: null,
    },
    linked_to: [],
    matches_sso_connection: false,
    created_at: at,
    updated_at: at,
  };
}

/** `GET /users/{user_id}`'s answer. */
export function userJson(user: UserRecord): UserJson {
  const at = user.createdAt;
  return {
    id: user.id,
    object: "user",
    external_id: null,
    primary_email_address_id: user.emails[0]?.id ?? null,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    username: null,
    first_name: null,
    last_name: null,
    image_url: DEFAULT_IMAGE_URL,
    has_image: false,
    public_metadata: {},
    private_metadata: {},
    unsafe_metadata: {},
    email_addresses: user.emails.map((e) => emailAddressJson(e, at)),
    phone_numbers: [],
    web3_wallets: [],
    passkeys: [],
    password_enabled: false,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    last_sign_in_at: null,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: null,
    created_at: at,
    updated_at: at,
    delete_self_enabled: true,
    create_organization_enabled: true,
    last_active_at: null,
    legal_accepted_at: null,
  };
}

function organizationJson(org: OrganizationRecord): OrganizationJson {
  return {
    object: "organization",
    id: org.id,
    name: org.name,
    slug: org.slug,
    image_url: DEFAULT_IMAGE_URL,
    has_image: false,
    members_count: org.members.length,
    // The stand-in enforces no limit on members.
    max_allowed_memberships: 0,
    admin_delete_enabled: true,
    public_metadata: {},
    private_metadata: {},
    created_at: org.createdAt,
    updated_at: org.createdAt,
  };
}

/**
 * One membership as `GET /organizations/{organization_id}/memberships` lists it; `user` is the member (`undefined`
 * only if it is gone, when the identifier is `null`).
 */
export function membershipJson(
  org: OrganizationRecord,
  member: MemberRecord,
  user: UserRecord | undefined,
): OrganizationMembershipJson {
  return {
    object: "organization_membership",
    id: member.membershipId,
    role: member.role,
    role_name: ROLE_NAMES[member.role],
    permissions: [...ROLE_PERMISSIONS[member.role]],
    public_metadata: {},
    private_metadata: {},
    organization: organizationJson(org),
    public_user_data: {
      user_id: member.userId,
      first_name: null,
      last_name: null,
      profile_image_url: DEFAULT_IMAGE_URL,
      image_url: DEFAULT_IMAGE_URL,
      has_image: false,
      identifier: user ? primaryEmail(user) : null,
      username: null,
      banned: false,
    },
    created_at: member.createdAt,
    updated_at: member.createdAt,
  };
}
