/**
 * The suite's secrecy check: no raw token in any table row, queue message, log line, response, notification or Clerk
 * call. A test file calls `watchSecrecy()` once at its top level. The secrets its helpers hand out are looked for
 * without being named (./secrets-registry.ts); others are registered with `track`. Tests reach the Worker through
 * `fetch` (or hand answers to `sawResponse`), and after each test, before the next one clears anything, everything
 * that test left behind is scanned (./leak-scan.ts).
 */
import { env, exports } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import { captureConsole } from "./console";
import { dumpTables } from "./db";
import { createLeakScanner } from "./leak-scan";
import { notedSecrets } from "./secrets-registry";

/** A big test leaves megabytes of rows and messages behind; the scan of them may take a while on a busy machine. */
const SCAN_TIMEOUT_MS = 60_000;

/** The stand-ins whose records are scanned too: what the Worker sent to Clerk and to NOTIFY_URL. */
export interface WatchedStandins {
  /** A Clerk stand-in's base URL, or several (each instance of a multi-instance stand-in). */
  clerk?: string | readonly string[];
  notify?: string;
}

/** One test file's secrecy watch. */
export interface SecrecyWatch {
  /** Secrets this test sent or holds: each is looked for everywhere. */
  track(...secrets: string[]): void;
  /** Sends `request` to the Worker (`exports.default.fetch`) and keeps the answer's body for the scan. */
  fetch(request: Request): Promise<Response>;
  /** Keeps a response body the test got some other way. */
  sawResponse(body: string): void;
  /** Keeps a queue message sent to a queue of the test's own (not the Worker's binding). */
  sawMessage(json: string): void;
  /** Everything captured so far, by where it came from. */
  haystacks(): Promise<Record<string, string>>;
  /** Throws, naming the place, if a tracked secret is anywhere in `haystacks()`. */
  check(): Promise<void>;
  /** Log lines captured in this test. */
  logs(): string;
  /** Queue messages sent in this test, as JSON. */
  queued(): string[];
}

async function standinRecord(url: string | undefined): Promise<string> {
  if (!url) return "";
  const res = await fetch(url);
  return res.ok ? res.text() : "";
}

/** Installs the watch for the calling test file. */
export function watchSecrecy(standins: WatchedStandins = {}): SecrecyWatch {
  const log = captureConsole();
  const secrets = new Set<string>();
  const scanner = createLeakScanner();
  let queued: string[] = [];
  let responses: string[] = [];
  let logFrom = 0;

  beforeAll(() => {
    const queue = env.REVOCATIONS;
    const sendBatch = queue.sendBatch.bind(queue);
    vi.spyOn(queue, "sendBatch").mockImplementation(async (messages, options) => {
      queued.push(JSON.stringify([...messages]));
      return sendBatch(messages, options);
    });
    const send = queue.send.bind(queue);
    vi.spyOn(queue, "send").mockImplementation(async (message, options) => {
      queued.push(JSON.stringify(message));
      return send(message, options);
    });
  });

  const watch: SecrecyWatch = {
    track: (...more) => {
      for (const s of more) secrets.add(s);
    },
    async fetch(request) {
      const res = await exports.default.fetch(request);
      responses.push(await res.clone().text());
      return res;
    },
    sawResponse: (body) => {
      responses.push(body);
    },
    sawMessage: (json) => {
      queued.push(json);
    },
    async haystacks() {
      return {
        tables: await dumpTables(),
        "queue messages": queued.join("\n"),
        "log lines": log.text().slice(logFrom),
        responses: responses.join("\n"),
        "Clerk calls": (
          await Promise.all(
            [standins.clerk ?? []].flat().map((base) => standinRecord(`${base}/__standin/calls`)),
          )
        ).join("\n"),
        notifications: await standinRecord(standins.notify && `${standins.notify}/__standin/received`),
      };
    },
    async check() {
      scanner.add(secrets);
      scanner.add(notedSecrets());
      const leak = scanner.find(await watch.haystacks());
      if (leak) throw new Error(`secret ${leak.secretPrefix}… found in ${leak.where} (${leak.form})`);
    },
    logs: () => log.text().slice(logFrom),
    queued: () => [...queued],
  };

  afterEach(async () => {
    try {
      await watch.check();
    } finally {
      // The next test starts with its own messages, answers and log lines; the tables it clears itself.
      queued = [];
      responses = [];
      logFrom = log.text().length;
    }
  }, SCAN_TIMEOUT_MS);
  afterAll(() => {
    log.restore();
    vi.restoreAllMocks();
  });
  return watch;
}
