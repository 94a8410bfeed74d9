import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { createClerkInstances } from "../clerk-instances.ts";
import {
  ApiKeySchema,
  ClerkErrorsSchema,
  OrganizationMembershipsSchema,
  UserSchema,
} from "../clerk-schemas.ts";
import { type ClerkCall, createClerkStandin, DEMO_KEYS, PROD_DEMO_KEYS } from "../clerk-standin.ts";

// Users and organizations, whom a key's subject names (issue 26), to dev/clerk-openapi/clerk-bapi-2026-05-12.yml and as
// `@clerk/backend` reads them. These run in workerd: `fetch` to `*.clerk.test` reaches a stand-in in Node through
// Miniflare's outboundService (dev/outbound.ts), a host of its own per test.
const SECRET_KEY = "sk_test_autorevoke_standin";
const AUTH = { authorization: `Bearer ${SECRET_KEY}`, "content-type": "application/json" };

const isolatedBase = () => `https://t${crypto.randomUUID().slice(0, 12)}.clerk.test`;
const sdk = (base: string) => createClerkClient({ secretKey: SECRET_KEY, apiUrl: base });

async function control(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/__standin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const UserCreatedSchema = v.strictObject({ id: v.string(), email: v.nullable(v.string()) });
const MemberSchema = v.strictObject({ user_id: v.string(), email: v.nullable(v.string()) });
const OrganizationCreatedSchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  admins: v.array(MemberSchema),
  members: v.array(MemberSchema),
});

async function createUser(base: string, input: Record<string, unknown> = {}) {
  const res = await control(base, "users", input);
  expect(res.status).toBe(200);
  return v.parse(UserCreatedSchema, await res.json());
}

async function createOrganization(base: string, input: Record<string, unknown> = {}) {
  const res = await control(base, "organizations", input);
  expect(res.status).toBe(200);
  return v.parse(OrganizationCreatedSchema, await res.json());
}

const calls = async (base: string) => (await (await control(base, "calls")).json()) as ClerkCall[];

async function sdkError(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isClerkAPIResponseError(error))
    throw new Error(`expected ClerkAPIResponseError, got ${String(error)}`);
  return error;
}

async function expectClerkErrors(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json");
  const body = v.parse(ClerkErrorsSchema, await res.json());
  expect(body.errors[0]?.code).toBe(code);
  return body;
}

describe("Clerk stand-in users (GET /v1/users/{user_id})", () => {
  it("answers the spec's User, which the SDK reads as its primary address", async () => {
    const base = isolatedBase();
    const user = await createUser(base, { email: "dev@example.test", extra_emails: ["old@example.test"] });
    expect(user.id).toMatch(/^user_\w{27}$/);
    expect(user.email).toBe("dev@example.test");

    const raw = await fetch(`${base}/v1/users/${user.id}`, { headers: AUTH });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe("application/json");
    const json = v.parse(UserSchema, await raw.json());
    expect(json.email_addresses.map((e) => e.email_address)).toEqual([
      "dev@example.test",
      "old@example.test",
    ]);
    expect(json.primary_email_address_id).toBe(json.email_addresses[0]?.id);

    const read = await sdk(base).users.getUser(user.id);
    expect(read.id).toBe(user.id);
    expect(read.primaryEmailAddress?.emailAddress).toBe("dev@example.test");
    expect(read.emailAddresses.map((e) => e.emailAddress)).toEqual(["dev@example.test", "old@example.test"]);
    expect(await calls(base)).toMatchObject([
      { operation: "user_get", path: `/v1/users/${user.id}`, keyId: user.id, status: 200 },
      { operation: "user_get", keyId: user.id, status: 200 },
    ]);
  });

  it("makes a user-<n>@example.test address by default, and none with email: null", async () => {
    const base = isolatedBase();
    expect((await createUser(base)).email).toBe("user-1@example.test");
    const none = await createUser(base, { email: null });
    expect(none.email).toBeNull();
    const read = await sdk(base).users.getUser(none.id);
    expect(read.primaryEmailAddressId).toBeNull();
    expect(read.primaryEmailAddress).toBeNull();
    expect(read.emailAddresses).toEqual([]);
    expect(await (await control(base, "users")).json()).toEqual([
      { id: expect.stringMatching(/^user_/), email: "user-1@example.test", extra_emails: [] },
      { id: none.id, email: null, extra_emails: [] },
    ]);
  });

  it("takes a chosen id, and answers Clerk's 404 for an id it does not hold", async () => {
    const base = isolatedBase();
    const id = "user_2abcdefghijklmnopqrstuvwxyz";
    expect((await createUser(base, { id, email: "chosen@example.test" })).id).toBe(id);
    expect((await sdk(base).users.getUser(id)).primaryEmailAddress?.emailAddress).toBe("chosen@example.test");

    const unknown = "user_0000000000000000000000000000";
    await expectClerkErrors(
      await fetch(`${base}/v1/users/${unknown}`, { headers: AUTH }),
      404,
      "resource_not_found",
    );
    const error = await sdkError(sdk(base).users.getUser(unknown));
    expect(error.status).toBe(404);
    expect(error.errors[0]?.code).toBe("resource_not_found");
  });

  it("refuses a malformed user on the control side, naming the field only", async () => {
    const base = isolatedBase();
    const res = await control(base, "users", { id: "user_short", email: "x@example.test" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "invalid control request",
      issues: [expect.stringMatching(/^id:/)],
    });
    expect((await control(base, "users", { email: "" })).status).toBe(400);
    expect((await control(base, "users", { nickname: "x" })).status).toBe(400);
  });

  it("is authenticated, faulted and rate-limited like the other Clerk routes", async () => {
    const base = isolatedBase();
    const user = await createUser(base);
    await expectClerkErrors(await fetch(`${base}/v1/users/${user.id}`), 401, "authorization_header_missing");
    await control(base, "script", [{ status: 503, path: "user_get" }]);
    const scripted = await sdkError(sdk(base).users.getUser(user.id));
    expect(scripted.status).toBe(503);
    expect((await sdk(base).users.getUser(user.id)).id).toBe(user.id);
    await control(base, "rate-limit", { limit: 1, windowMs: 60_000 });
    expect((await fetch(`${base}/v1/users/${user.id}`, { headers: AUTH })).status).toBe(200);
    expect((await fetch(`${base}/v1/users/${user.id}`, { headers: AUTH })).status).toBe(429);
    expect((await calls(base)).map((c) => [c.operation, c.status])).toEqual([
      ["user_get", 401],
      ["user_get", 503],
      ["user_get", 200],
      ["user_get", 200],
      ["user_get", 429],
    ]);
  });

  it("gives a key the user as its subject", async () => {
    const base = isolatedBase();
    const user = await createUser(base);
    const key = (await (await control(base, "keys", { subject: user.id })).json()) as { secret: string };
    const res = await fetch(`${base}/api_keys/verify`, {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ secret: key.secret }),
    });
    expect(v.parse(ApiKeySchema, await res.json()).subject).toBe(user.id);
  });
});

describe("Clerk stand-in organizations (GET /v1/organizations/{organization_id}/memberships)", () => {
  it("lists the admins by role for the SDK, their identifiers their addresses", async () => {
    const base = isolatedBase();
    const org = await createOrganization(base, {
      name: "Acme Billing",
      admins: ["alice@example.test", "bob@example.test"],
      members: ["carol@example.test"],
    });
    expect(org.id).toMatch(/^org_\w{27}$/);
    expect(org.name).toBe("Acme Billing");
    expect(org.admins.map((a) => a.email)).toEqual(["alice@example.test", "bob@example.test"]);
    expect(org.members.map((m) => m.email)).toEqual(["carol@example.test"]);

    const page = await sdk(base).organizations.getOrganizationMembershipList({
      organizationId: org.id,
      role: ["org:admin"],
      limit: 20,
    });
    expect(page.totalCount).toBe(2);
    expect(page.data.map((m) => m.publicUserData?.identifier).sort()).toEqual([
      "alice@example.test",
      "bob@example.test",
    ]);
    expect(page.data.every((m) => m.role === "org:admin" && m.organization.id === org.id)).toBe(true);
    // Each admin is a user of its own, readable as one.
    const alice = org.admins[0]?.user_id ?? "";
    expect((await sdk(base).users.getUser(alice)).primaryEmailAddress?.emailAddress).toBe(
      "alice@example.test",
    );

    const [call] = await calls(base);
    expect(call).toMatchObject({
      operation: "org_memberships",
      path: `/v1/organizations/${org.id}/memberships`,
      keyId: org.id,
      status: 200,
    });
  });

  it("answers the spec's OrganizationMemberships, filtered by one role or several, newest first", async () => {
    const base = isolatedBase();
    const org = await createOrganization(base, { admins: ["a@example.test"], members: ["m@example.test"] });
    const list = async (query: string) => {
      const res = await fetch(`${base}/v1/organizations/${org.id}/memberships${query}`, { headers: AUTH });
      expect(res.status).toBe(200);
      return v.parse(OrganizationMembershipsSchema, await res.json());
    };
    const identifiers = (page: v.InferOutput<typeof OrganizationMembershipsSchema>) =>
      page.data.map((m) => m.public_user_data.identifier);
    expect(identifiers(await list(""))).toEqual(["m@example.test", "a@example.test"]);
    expect(identifiers(await list("?role=org:admin"))).toEqual(["a@example.test"]);
    expect(identifiers(await list("?role=org:member"))).toEqual(["m@example.test"]);
    expect(identifiers(await list("?role=org:admin&role=org:member"))).toEqual([
      "m@example.test",
      "a@example.test",
    ]);
    expect(await list("?role=org:billing")).toEqual({ data: [], total_count: 0 });
    const paged = await list("?limit=1&offset=1");
    expect(identifiers(paged)).toEqual(["a@example.test"]);
    expect(paged.total_count).toBe(2);
  });

  it("answers 422 for a limit or offset outside the spec's, 404 for an organization it does not hold", async () => {
    const base = isolatedBase();
    const org = await createOrganization(base, { admins: ["a@example.test"] });
    for (const query of ["limit=0", "limit=501", "limit=ten", "offset=-1"]) {
      const res = await fetch(`${base}/v1/organizations/${org.id}/memberships?${query}`, { headers: AUTH });
      await expectClerkErrors(res, 422, "form_param_format_invalid");
    }
    const unknown = "org_0000000000000000000000000000";
    await expectClerkErrors(
      await fetch(`${base}/v1/organizations/${unknown}/memberships`, { headers: AUTH }),
      404,
      "resource_not_found",
    );
    const error = await sdkError(
      sdk(base).organizations.getOrganizationMembershipList({ organizationId: unknown, role: ["org:admin"] }),
    );
    expect(error.status).toBe(404);
  });

  it("makes a member of the user holding an address, or a new user, and refuses an address named twice", async () => {
    const base = isolatedBase();
    const user = await createUser(base, { email: "known@example.test" });
    const org = await createOrganization(base, {
      admins: ["known@example.test"],
      members: ["new@example.test"],
    });
    expect(org.admins).toEqual([{ user_id: user.id, email: "known@example.test" }]);
    expect(((await (await control(base, "users")).json()) as unknown[]).length).toBe(2);
    expect((await control(base, "organizations")).status).toBe(200);
    expect(await (await control(base, "organizations")).json()).toEqual([org]);

    const twice = await control(base, "organizations", {
      admins: ["x@example.test"],
      members: ["x@example.test"],
    });
    expect(twice.status).toBe(400);
  });

  it("is faulted like the other Clerk routes, and a reset drops users and organizations", async () => {
    const base = isolatedBase();
    const org = await createOrganization(base, { admins: ["a@example.test"] });
    await control(base, "script", [{ status: 500, path: "org_memberships" }]);
    const error = await sdkError(
      sdk(base).organizations.getOrganizationMembershipList({ organizationId: org.id, role: ["org:admin"] }),
    );
    expect(error.status).toBe(500);
    expect((await control(base, "reset", {})).status).toBe(200);
    expect(await (await control(base, "users")).json()).toEqual([]);
    expect(await (await control(base, "organizations")).json()).toEqual([]);
    await expectClerkErrors(
      await fetch(`${base}/v1/organizations/${org.id}/memberships`, { headers: AUTH }),
      404,
      "resource_not_found",
    );
  });
});

describe("Clerk stand-in demo owners (seedDemo)", () => {
  const owner = async (standin: ReturnType<typeof createClerkStandin>, subject: string) => {
    const res = await standin.handle(
      new Request(`https://seed.clerk.test/v1/users/${subject}`, { headers: AUTH }),
    );
    expect(res.status).toBe(200);
    const user = v.parse(UserSchema, await res.json());
    return user.email_addresses.find((e) => e.id === user.primary_email_address_id)?.email_address;
  };

  it("seeds a user with an address for each demo key's subject, again after a reset", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true });
    expect(await owner(standin, DEMO_KEYS[0]?.subject ?? "")).toBe("owner+billing-service@example.test");
    await standin.reset();
    for (const key of DEMO_KEYS)
      expect(await owner(standin, key.subject)).toMatch(/^owner\+[a-z-]+@example\.test$/);

    const prod = createClerkStandin({ secretKey: SECRET_KEY, seedDemo: true, demoKeys: PROD_DEMO_KEYS });
    expect(await owner(prod, PROD_DEMO_KEYS[0]?.subject ?? "")).toBe("owner+prod-payments@example.test");
  });

  it("seeds no user without seedDemo; createUser and createOrganization add them directly", async () => {
    const standin = createClerkStandin({ secretKey: SECRET_KEY });
    const listed = async (path: string) =>
      (await standin.handle(new Request(`https://seed.clerk.test/__standin/${path}`))).json();
    expect(await listed("users")).toEqual([]);
    const user = await standin.createUser({ email: "direct@example.test" });
    expect(user).toEqual({ id: expect.stringMatching(/^user_\w{27}$/), email: "direct@example.test" });
    const org = await standin.createOrganization({ admins: ["direct@example.test"] });
    expect(org.admins).toEqual([{ user_id: user.id, email: "direct@example.test" }]);
    await expect(standin.createUser({ email: 42 } as never)).rejects.toThrow();
  });

  it("lists every instance's users and organizations together behind one host", async () => {
    const clerk = createClerkInstances([
      { name: "prod", secretKey: "sk_live_owners_prod" },
      { name: "staging", secretKey: "sk_test_owners_staging" },
    ]);
    await clerk.instance("prod")?.createUser({ email: "p@example.test" });
    await clerk.instance("staging")?.createOrganization({ admins: ["s@example.test"] });
    const all = async (path: string) =>
      (await (await clerk.handle(new Request(`https://api.clerk.test/__standin/${path}`))).json()) as {
        instance: string;
      }[];
    expect((await all("users")).map((u) => u.instance)).toEqual(["prod", "staging"]);
    expect((await all("organizations")).map((o) => o.instance)).toEqual(["staging"]);
  });
});
