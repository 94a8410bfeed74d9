/**
 * @module
 * The local stack's ports: the defaults `npm start` uses, a free port when none is chosen, and an error that says what
 * to do when a chosen one is taken. Everything listens on loopback only. Node only.
 */
import { createServer } from "node:net";
import { isErrnoException } from "./errno.ts";

/** The only address anything here listens on. */
export const LOOPBACK = "127.0.0.1";

/**
 * Ports `npm start` uses unless overridden (PORT, CLERK_PORT, GITHUB_KEYS_PORT, GITLAB_KEYS_PORT, DEPSDEV_KEYS_PORT,
 * NOTIFY_PORT).
 */
export const DEFAULT_PORTS = {
  worker: 8787,
  clerk: 8788,
  githubKeys: 8789,
  gitlabKeys: 8790,
  depsdevKeys: 8791,
  notify: 8792,
} as const;

/** Listens on `port` (0: the kernel's pick) and closes again; resolves with the port that was bound. */
async function bindOnce(port: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.on("error", reject);
    server.listen(port, LOOPBACK, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/** A port nothing listens on right now on 127.0.0.1 (the kernel's pick). */
export function freePort(): Promise<number> {
  return bindOnce(0);
}

/** `port`, once it is known to be free; otherwise the error of `portError`. `what` names its would-be user. */
export async function assertPortFree(port: number, what: string): Promise<number> {
  try {
    return await bindOnce(port);
  } catch (error) {
    throw portError(error, port, what);
  }
}

/** Turns "address in use" into advice; other errors pass through. */
export function portError(error: unknown, port: number | undefined, what: string): Error {
  if (isErrnoException(error, "EADDRINUSE")) {
    return new Error(
      `${LOOPBACK}:${port} is already in use, so ${what} cannot listen there. Is another \`npm start\` running? ` +
        "Stop it, or choose other ports (PORT, CLERK_PORT, GITHUB_KEYS_PORT, GITLAB_KEYS_PORT, DEPSDEV_KEYS_PORT, " +
        "NOTIFY_PORT).",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
