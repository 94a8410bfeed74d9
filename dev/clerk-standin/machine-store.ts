/**
 * @module
 * The stand-in's machines and their secret keys, to Clerk's published Machine objects: add (the control API creates
 * them, as the dashboard would), list a page, read a machine's secret key, rotate it. A machine secret key is an `ak_`
 * value like an API key secret, and `POST /api_keys/verify` does not know it (the key store never holds it). The store
 * keeps each secret as given: `GET /machines/{id}/secret_key` hands it out, as Clerk's does, to the instance secret key.
 * A rotation with `previous_token_ttl: 0` ends the old secret at once; a longer one is recorded but not enforced here.
 */
import * as v from "valibot";
import { BASE62_ALPHABET, randomString } from "../standin-util.ts";

/** Input for a machine created on the control side. */
export const StandinMachineInputSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(255))),
  /** A chosen id and secret key (the demo machine's); random otherwise. */
  id: v.optional(v.pipe(v.string(), v.regex(/^mch_\w{27}$/))),
  secret: v.optional(v.pipe(v.string(), v.regex(/^ak_[\x21-\x7e]{16,256}$/))),
});

/** Clerk's Machine object (without scoped machines' own scopes), as `GET /machines` lists it. */
export interface MachineJson {
  object: "machine";
  id: string;
  name: string;
  instance_id: string;
  created_at: number;
  updated_at: number;
  default_token_ttl: number;
  scoped_machines: [];
}

/** A machine as the control API reports it: counters, never the secret. */
export type StandinMachineState = MachineJson & { rotate_count: number; previous_token_ttls: number[] };

/** The machines of one stand-in instance. */
export interface MachineStore {
  /** Creates a machine: its JSON and the only copy handed out on the control side of its secret key. */
  add(input: v.InferInput<typeof StandinMachineInputSchema>): { json: MachineJson; secret: string };
  page(offset: number, limit: number): { data: MachineJson[]; total_count: number };
  secretOf(id: string): string | undefined;
  /** Rotates the secret key; `undefined` when there is no such machine. */
  rotate(id: string, previousTokenTtl: number): string | undefined;
  states(): StandinMachineState[];
  clear(): void;
}

interface Stored {
  json: MachineJson;
  secret: string;
  rotations: number[];
}

/** Builds an empty store; `now` (milliseconds) stamps the machines. */
export function createMachineStore(now: () => number): MachineStore {
  const machines = new Map<string, Stored>();
  const newSecret = () => `ak_${randomString(BASE62_ALPHABET, 40)}`;
  return {
    add(input) {
      const at = now();
      const json: MachineJson = {
        object: "machine",
        id: input.id ?? `mch_${randomString(BASE62_ALPHABET, 27)}`,
        name: input.name ?? `standin-machine-${randomString(BASE62_ALPHABET, 6)}`,
        instance_id: "ins_standin",
        created_at: at,
        updated_at: at,
        default_token_ttl: 3600,
        scoped_machines: [],
      };
      const secret = input.secret ?? newSecret();
      machines.set(json.id, { json, secret, rotations: [] });
      return { json, secret };
    },
    page(offset, limit) {
      const all = [...machines.values()].map((m) => m.json);
      return { data: all.slice(offset, offset + limit), total_count: all.length };
    },
    secretOf: (id) => machines.get(id)?.secret,
    rotate(id, previousTokenTtl) {
      const machine = machines.get(id);
      if (!machine) return undefined;
      machine.secret = newSecret();
      machine.rotations.push(previousTokenTtl);
      machine.json.updated_at = now();
      return machine.secret;
    },
    states: () =>
      [...machines.values()].map((m) => ({
        ...m.json,
        rotate_count: m.rotations.length,
        previous_token_ttls: [...m.rotations],
      })),
    clear: () => machines.clear(),
  };
}
