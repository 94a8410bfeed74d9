/**
 * @module
 * The Clerk stand-ins' keys kept in a file across runs of `npm start`, as Clerk keeps its keys whatever happens to
 * autorevoke: without it a restart would meet a Clerk that forgot every key, and whether a leak survived a hard stop
 * could not be told. The file is rewritten after every Clerk call before the stand-in's answer leaves, through a
 * temporary file and a rename, so a SIGKILL at any moment leaves the state the Worker last heard (only page-cache
 * durability: a process kill, not a power cut). Secrets are in it only as SHA-256; the call log, fault script, rate
 * limit and modes are not kept. Node only.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as v from "valibot";
import type { ClerkStandin } from "../clerk-standin.ts";
import { isErrnoException } from "./errno.ts";

const OWNER_ONLY_DIR = 0o700;
const OWNER_ONLY_FILE = 0o600;

const StateFileSchema = v.object({ instances: v.record(v.string(), v.array(v.unknown())) });

/**
 * Loads `file` into the stand-ins of the instances it names. Resolves true when it did, false when there is no file
 * yet; throws on a file it cannot read, rather than quietly starting a Clerk that forgot its keys.
 */
export async function loadClerkState(
  file: string,
  instances: Record<string, ClerkStandin>,
): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isErrnoException(error, "ENOENT")) return false;
    throw error;
  }
  const parsed = v.safeParse(StateFileSchema, JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${file} is not a Clerk stand-in state file; delete it for fresh keys`);
  for (const [name, keys] of Object.entries(parsed.output.instances)) await instances[name]?.importKeys(keys);
  return true;
}

/** Writes every instance's keys to `file`, synchronously, so nothing can come between the change and the write. */
export function saveClerkState(file: string, instances: Record<string, ClerkStandin>): void {
  const state = {
    instances: Object.fromEntries(Object.entries(instances).map(([name, s]) => [name, s.exportKeys()])),
  };
  mkdirSync(dirname(file), { recursive: true, mode: OWNER_ONLY_DIR });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(state), { mode: OWNER_ONLY_FILE });
  renameSync(temporary, file);
}

/**
 * `handle`, saving the state after every request that may change it (all but the control API's reads), before the
 * answer is handed on.
 */
export function savingAfterEachCall(
  handle: (request: Request) => Promise<Response>,
  save: () => void,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const response = await handle(request);
    if (!(request.method === "GET" && new URL(request.url).pathname.includes("/__standin/"))) save();
    return response;
  };
}
