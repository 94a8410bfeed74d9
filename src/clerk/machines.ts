/**
 * @module
 * Clerk's machines and their secret keys through `@clerk/backend`'s `machines` API, authenticated with the instance's
 * secret key:
 * - `GET /machines` (`machines.list`), a page at a time: each machine's id and name;
 * - `GET /machines/{id}/secret_key` (`machines.getSecretKey`): the machine's current secret key;
 * - `POST /machines/{id}/secret_key/rotate` (`machines.rotateSecretKey`) with `previous_token_ttl: 0`, so the old
 *   secret stops working at once.
 *
 * A machine secret key is a live credential that mints M2M tokens, so it never leaves this adapter: both calls that
 * answer one hand back only its SHA-256, worked out here, and the raw value is dropped with the SDK's answer.
 */
import type { createClerkClient } from "@clerk/backend";
import * as v from "valibot";
import type { ClerkFailure } from "../domain/clerk-failure";
import { ClerkMachineIdSchema as MachineIdSchema } from "../domain/clerk-ids";
import { sha256Hex } from "../lib/hash";
import { err, ok, type Result } from "../lib/result";
import { callClerk, invalidId } from "./call";

const MachineListSchema = v.object({
  data: v.array(v.object({ id: MachineIdSchema, name: v.string() })),
  totalCount: v.number(),
});
const MachineSecretKeySchema = v.object({ secret: v.pipe(v.string(), v.minLength(1)) });

/** One page of an instance's machines. */
export interface MachinePage {
  machines: { id: string; name: string }[];
  totalCount: number;
}

/** The machine calls autorevoke makes. */
export interface MachineCalls {
  list(offset: number, limit: number): Promise<Result<MachinePage, ClerkFailure>>;
  /** The SHA-256 of the machine's current secret key. */
  secretHashOf(machineId: string): Promise<Result<string, ClerkFailure>>;
  /** Rotates the machine's secret key with no grace for the old one; answers the new one's SHA-256. */
  rotate(machineId: string): Promise<Result<string, ClerkFailure>>;
}

/** The machine calls over one SDK client. */
export function createMachineCalls(
  clerk: ReturnType<typeof createClerkClient>,
  timeoutMs: number,
): MachineCalls {
  const hashOf = async (answer: Promise<Result<{ secret: string }, ClerkFailure>>) => {
    const secret = await answer;
    return secret.ok ? ok(await sha256Hex(secret.value.secret)) : err(secret.error);
  };
  const byId = (machineId: string, run: () => Promise<unknown>) =>
    v.is(MachineIdSchema, machineId)
      ? hashOf(callClerk(MachineSecretKeySchema, timeoutMs, run))
      : invalidId("invalid_machine_id");
  return {
    list: (offset, limit) =>
      callClerk(MachineListSchema, timeoutMs, () => clerk.machines.list({ offset, limit })).then((page) =>
        page.ok ? ok({ machines: page.value.data, totalCount: page.value.totalCount }) : page,
      ),
    secretHashOf: (machineId) => byId(machineId, () => clerk.machines.getSecretKey(machineId)),
    rotate: (machineId) =>
      byId(machineId, () => clerk.machines.rotateSecretKey({ machineId, previousTokenTtl: 0 })),
  };
}
