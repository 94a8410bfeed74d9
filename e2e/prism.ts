/**
 * @module
 * Prism (`@stoplight/prism-cli`) on 127.0.0.1, for contract tests, in either of its modes:
 * - `mock`: it answers every request as the document says and logs each request that breaks it (Clerk's API);
 * - `proxy`: it forwards every request to a real server and checks the answer against the document, saying what breaks
 *   it in an `sl-violations` header on the answer (the Worker's own API).
 * Started from node_modules/.bin with the Node that runs the tests, in one process (`--no-multiprocess`, so its PID is
 * the whole of it), and stopped by that PID. Node only.
 */
import { join } from "node:path";
import process from "node:process";
import { freePort, LOOPBACK } from "../dev/local-stack/ports.ts";
import { type SpawnedChild, spawnChild } from "../dev/local-stack/process-group.ts";

/** Prism reads the whole document before it listens: about 2 s for Clerk's 740 KB here, more on a busy machine. */
const PRISM_READY_TIMEOUT_MS = 60_000;
const PRISM_STOP_GRACE_MS = 5_000;
const POLL_MS = 50;

export interface Prism {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  pid: number;
  /** Everything Prism wrote to stdout and stderr so far. */
  output(): string;
  /** Ends Prism by its PID: SIGTERM, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

/**
 * `prism mock --errors -p <port> -h 127.0.0.1 <document>`, on a free port unless one is given (chosen beforehand so a
 * client can be configured while Prism starts); resolves once Prism says it is listening.
 */
export function startPrismMock(root: string, document: string, port?: number): Promise<Prism> {
  return startPrism(root, ["mock", "--errors", document], port);
}

/**
 * `prism proxy <document> <upstream>`: every request goes on to `upstream`, and every answer comes back with the
 * violations Prism found in it (and in the request) as JSON in `sl-violations`. Without `--errors`, so that a request
 * that breaks the document (the hostile ones a test sends on purpose) is still forwarded, and the answer checked.
 */
export function startPrismProxy(
  root: string,
  document: string,
  upstream: string,
  port?: number,
): Promise<Prism> {
  return startPrism(root, ["proxy", document, upstream], port);
}

/** One violation in Prism's `sl-violations` header. */
export interface Violation {
  location: string[];
  severity: string;
  code?: string | number;
  message: string;
}

/** The violations of an answer (not of its request) that came through a Prism proxy. */
export function responseViolations(res: Response): Violation[] {
  const header = res.headers.get("sl-violations");
  if (header === null) return [];
  return (JSON.parse(header) as Violation[]).filter((v) => v.location[0] === "response");
}

async function startPrism(root: string, args: string[], port?: number): Promise<Prism> {
  port ??= await freePort();
  const bin = join(root, "node_modules", ".bin", "prism");
  const prism = spawnChild(
    process.execPath,
    [bin, ...args, "--no-multiprocess", "-p", String(port), "-h", LOOPBACK],
    // Prism forks a second process under NODE_ENV=production, which a PID alone would not stop; no colours in the log.
    { cwd: root, env: { ...process.env, NODE_ENV: "test", FORCE_COLOR: "0" }, groupLeader: false },
  );
  const pid = prism.child.pid;
  if (pid === undefined) throw new Error("prism did not start");
  let stopping: Promise<void> | undefined;
  const mock: Prism = {
    url: `http://${LOOPBACK}:${port}`,
    pid,
    output: prism.output,
    stop: () => {
      stopping ??= stop(prism, pid);
      return stopping;
    },
  };
  try {
    await waitForListening(prism, PRISM_READY_TIMEOUT_MS);
  } catch (error) {
    await mock.stop();
    throw error;
  }
  return mock;
}

async function waitForListening(prism: SpawnedChild, timeoutMs: number): Promise<void> {
  let exited = false;
  void prism.exited.then(() => {
    exited = true;
  });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (prism.output().includes("Prism is listening")) return;
    if (exited) throw new Error(`prism exited before it listened:\n${prism.output().slice(-4_000)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`prism did not listen within ${timeoutMs} ms:\n${prism.output().slice(-4_000)}`);
}

async function stop(prism: SpawnedChild, pid: number): Promise<void> {
  if (prism.child.exitCode !== null || prism.child.signalCode !== null) return;
  const gone = prism.exited.then(() => true);
  const timeout = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms).unref());
  process.kill(pid, "SIGTERM");
  if (await Promise.race([gone, timeout(PRISM_STOP_GRACE_MS)])) return;
  process.kill(pid, "SIGKILL");
  await gone;
}
