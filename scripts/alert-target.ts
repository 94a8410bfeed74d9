/**
 * @module
 * Where `npm run alert` sends: `--target` when given, else the running `npm start` (found through its stack.json),
 * else the default local port; and which Clerk stand-in, if any, can say what became of the tokens.
 */
import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { DEFAULT_PORTS, type StackFile, StackFileSchema } from "../dev/local-stack.ts";

/** Senders `npm run alert` can sign for; `generic` is Standard Webhooks HMAC, the rest ECDSA. */
export const SENDERS = ["github", "gitlab", "depsdev", "generic"] as const;
export type Sender = (typeof SENDERS)[number];

/**
 * The alert URL for `--target`: a full `…/v1/alerts/<sender>` URL is used as given; anything else is a base
 * (`https://autorevoke.example.workers.dev`, or with a path prefix) that gets `/v1/alerts/<sender>` appended.
 */
export function alertUrl(target: string, sender: Sender): URL {
  const url = new URL(target);
  if (/\/v1\/alerts\/[^/]+\/?$/.test(url.pathname)) return url;
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/alerts/${sender}`;
  return url;
}

/** The alert URL, and the Clerk stand-in's base URL (`""` when there is none to ask). */
export interface AlertTarget {
  url: URL;
  standinUrl: string;
}

/**
 * Resolves the target from the options, the running stack (if any) and `$PORT`. Unless `--clerk-standin` names
 * one, the stand-in is asked only when the alert goes to the stack it belongs to: another target's answers have
 * nothing to do with it.
 */
export function resolveTarget(
  options: { target?: string | undefined; sender: Sender; "clerk-standin"?: string | undefined },
  stack: StackFile | undefined,
  port: string | undefined,
): AlertTarget {
  const target = options.target ?? stack?.url ?? `http://127.0.0.1:${port ?? DEFAULT_PORTS.worker}`;
  const url = alertUrl(target, options.sender);
  const standinUrl =
    options["clerk-standin"] ?? (stack && new URL(stack.url).origin === url.origin ? stack.clerk_url : "");
  return { url, standinUrl };
}

/** The running `npm start`'s stack.json, or undefined when there is none (or it is not one). */
export async function readStackFile(file: string): Promise<StackFile | undefined> {
  try {
    const parsed = v.safeParse(StackFileSchema, JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}
