/**
 * @module
 * `npm run alert`: signs a partner alert the way a sender would and posts it to autorevoke (the local stack by
 * default), then prints per token what the answer means. Run `npm run alert -- --help` for the options.
 *
 * `main` wires the steps together and is what the tests call; run as a script (`node scripts/alert.ts`), the file
 * runs `main` on the process's arguments and exits with its code.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { DEMO_M2M_TOKENS } from "../dev/clerk-standin.ts";
import { LOCAL_ADMIN_TOKEN, LOCAL_GITHUB_WEBHOOK_SECRET } from "../dev/local-stack/worker-vars.ts";
import {
  DEFAULT_DEV_DIR,
  LOCAL_INBOUND_WEBHOOK_SECRET,
  readSigningKey,
  repoRoot,
  SIGNING_KEY_FILE,
  STACK_FILE,
  type StackFile,
} from "../dev/local-stack.ts";
import { err, ok, type Result } from "../src/lib/result.ts";
import { runGithubApp } from "./alert-github-app.ts";
import { mintCredential, readMachineHashes } from "./alert-mint.ts";
import { type AlertOptions, HELP, parseAlertOptions } from "./alert-options.ts";
import { createProgress, type ProgressStream } from "./alert-progress.ts";
import {
  answerExcerpt,
  headline,
  hintFor,
  MAX_ANSWER_CHARS,
  parseFeedback,
  QUEUED_NOTE,
  renderReport,
  rowsFor,
  tally,
} from "./alert-report.ts";
import { type AlertMatch, type AlertSigning, alertBody, matchesBody, signAlert } from "./alert-request.ts";
import { sendAlert, sendErrorMessage } from "./alert-send.ts";
import {
  allRevokedNote,
  createStandinClient,
  type StandinClient,
  withStandinNotes,
} from "./alert-standin.ts";
import { readStackFile, resolveTarget, type Sender } from "./alert-target.ts";
import { batchTokens, demoChoices, distinctTokens, pickDemoSecret } from "./alert-tokens.ts";
import { isMainModule } from "./is-main-module.ts";
import { keepClerkShaped, type Scanner, scannerErrorMessage } from "./scanner-findings.ts";
import { parseGitleaksReport } from "./scanner-gitleaks.ts";
import { parseTrufflehogReport } from "./scanner-trufflehog.ts";

/** Batches at least this big report their phases on stderr. */
const PROGRESS_MIN_TOKENS = 50;

/** Exit status for a command line that cannot run, as shells and most command-line tools use it. */
const EXIT_USAGE = 2;

/** Where `main` reads its settings and writes: the process's, or a test's. */
export interface AlertIo {
  /** The report. */
  stdout: { write(text: string): unknown };
  /** Problems and progress. */
  stderr: ProgressStream;
  /** `AUTOREVOKE_DEV_DIR` and `PORT` are read, as `npm start` writes them. */
  env: Record<string, string | undefined>;
}

/**
 * Runs `npm run alert` with `argv` (the arguments after the script's name) and returns the exit status: 0 when the
 * Worker answers 2xx with its feedback, 1 when it answers otherwise or cannot be reached, 2 for a bad command line.
 */
export async function main(argv: readonly string[], io: AlertIo): Promise<number> {
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const fail = (message: string, code = 1) => {
    io.stderr.write(`npm run alert: ${message}\n`);
    return code;
  };

  const command = parseAlertOptions(argv);
  if (!command.ok) return fail(command.error.message, EXIT_USAGE);
  if (command.value.kind === "help") {
    say(HELP);
    return 0;
  }
  const options = command.value.options;

  const devDir = path.resolve(await repoRoot(), io.env.AUTOREVOKE_DEV_DIR ?? DEFAULT_DEV_DIR);
  const stackFile = await readStackFile(path.join(devDir, STACK_FILE));
  if (options.sender === "github-app") return githubApp(options, stackFile, say, fail);
  const routed = { ...options, sender: options.sender };
  const { url, standinUrl } = resolveTarget(routed, stackFile, io.env.PORT);
  const standin = createStandinClient(standinUrl);

  let matches: AlertMatch[] | undefined;
  let list: string[];
  if (options.from !== undefined && options.report !== undefined) {
    const report = await readReport(options.from, options.report);
    if (!report.ok) return fail(report.error);
    const { kept, skipped } = report.value;
    const left = skipped === 0 ? "" : `, ${skipped} left out: they cannot be Clerk secrets`;
    say(`${options.from} report ${options.report}: ${kept.length + skipped} findings${left}.`);
    if (kept.length === 0) {
      say("Nothing to send.");
      return 0;
    }
    matches = kept;
    list = kept.map((m) => m.token);
  } else {
    const tokens = await chooseTokens(options, standin, standinUrl);
    if (!tokens.ok) return fail(tokens.error);
    // A machine minted now is known to autorevoke once its secret key's hash is read: ask the local stack now.
    if (
      options.kind === "machine-secret" &&
      stackFile !== undefined &&
      url.origin === new URL(stackFile.url).origin
    ) {
      const read = await readMachineHashes(url.origin, LOCAL_ADMIN_TOKEN);
      say(
        read.ok
          ? `Read ${read.value} machine secret key hash(es) first (POST /v1/machines/refresh), so the new machine is known.`
          : `Could not read the machines' hashes first: ${read.error} The new machine may be answered false_positive.`,
      );
    }
    if (tokens.value.allRevoked) say(allRevokedNote(standinUrl));
    list = tokens.value.list;
  }

  const progress = createProgress(io.stderr, list.length >= PROGRESS_MIN_TOKENS);
  progress.phase(`signing ${list.length} matches (${options.sender})`);
  const signing = await signingFor(routed, devDir);
  if (!signing.ok) return fail(signing.error);
  const alert = await signAlert({
    url,
    body: matches ? matchesBody(matches) : alertBody(list, options),
    signing: signing.value,
    now: new Date(),
  });
  const sent = await distinctTokens(list);

  progress.phase(`sending ${(alert.body.length / 1024).toFixed(0)} KiB to ${url.href}`);
  progress.wait("waiting for the Worker");
  const answer = await sendAlert(alert);
  progress.done();
  if (!answer.ok) return fail(sendErrorMessage(answer.error));
  const { status, text, elapsedMs } = answer.value;

  say(headline(routed.sender, list.length, url, status, elapsedMs));
  if (!answer.value.ok) {
    say(answerExcerpt(text));
    say(hintFor(status, routed.sender, url));
    return 1;
  }
  const feedback = parseFeedback(text);
  if (!feedback) {
    say(`The answer is not autorevoke's feedback array:\n${text.slice(0, MAX_ANSWER_CHARS)}`);
    return 1;
  }

  let rows = rowsFor(sent, feedback);
  const [keys, calls] = await Promise.all([standin.keys(), standin.calls()]);
  if (keys && calls) rows = await withStandinNotes(rows, sent, keys, calls);
  say(`\n${renderReport(rows)}`);
  if (tally(rows)["queued for retry"] > 0) say(`\n${QUEUED_NOTE}`);
  return 0;
}

/** `--sender github-app`: a GitHub App's delivery per token, through the running stack's GitHub stand-in. */
async function githubApp(
  options: AlertOptions,
  stack: StackFile | undefined,
  say: (text: string) => void,
  fail: (message: string, code?: number) => number,
): Promise<number> {
  const githubUrl = options["github-standin"] ?? stack?.github_url;
  if (githubUrl === undefined) {
    return fail(
      "--sender github-app needs the GitHub API stand-in of a running `npm start` (a deployed App reads its alerts " +
        "from GitHub itself: there, create a test alert in a repository the App is installed on).",
    );
  }
  const base = options.target ?? stack?.url;
  if (base === undefined)
    return fail("--sender github-app: pass --target, or start the stack with npm start.");
  const webhookUrl = new URL(`${base.replace(/\/+$/, "")}/v1/github-app/webhook`);
  const tokens = options.token.length > 0 ? [...options.token] : [];
  if (tokens.length === 0) {
    const clerkUrl = options["clerk-standin"] ?? stack?.clerk_url ?? "";
    const pick = pickDemoSecret(demoChoices(options.instance), await createStandinClient(clerkUrl).keys());
    if (!pick) return fail("no demo keys defined");
    if (pick.allRevoked) say(allRevokedNote(clerkUrl));
    tokens.push(pick.secret);
  }
  try {
    return await runGithubApp({
      webhookUrl,
      githubUrl,
      webhookSecret: options["webhook-secret"] ?? LOCAL_GITHUB_WEBHOOK_SECRET,
      tokens,
      say,
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The tokens to send: `--token`s, plus `--count` random secrets, or else one credential of `--kind`: a demo key (a live
 * one if any) for `api-key`, a fresh one from the Clerk stand-in at `standinUrl` for the others.
 */
async function chooseTokens(
  options: AlertOptions,
  standin: StandinClient,
  standinUrl: string,
): Promise<Result<{ list: string[]; allRevoked: boolean }, string>> {
  if (options.count > 0) return ok({ list: batchTokens(options.token, options.count), allRevoked: false });
  if (options.token.length > 0) return ok({ list: [...options.token], allRevoked: false });
  if (options.kind !== "api-key" && standinUrl !== "") {
    const minted = await mintCredential(standinUrl, options.kind, options.instance ?? "staging");
    return minted.ok ? ok({ list: [minted.value.value], allRevoked: false }) : err(minted.error);
  }
  if (options.kind !== "api-key" && options.kind !== "m2m") {
    return err(
      `--kind ${options.kind} mints a fresh credential from the local Clerk stand-in: run \`npm start\`, or name ` +
        "a stand-in with --clerk-standin URL.",
    );
  }
  // With no stand-in to mint one, the fixed demo M2M token is all there is.
  if (options.kind === "m2m") {
    const pick = pickDemoSecret(
      DEMO_M2M_TOKENS.map((t) => ({ id: t.id, secret: t.token, name: "demo M2M token", subject: t.subject })),
      await standin.m2mTokens(),
    );
    if (!pick) return err("no demo M2M token defined");
    return ok({ list: [pick.secret], allRevoked: pick.allRevoked });
  }
  const pick = pickDemoSecret(demoChoices(options.instance), await standin.keys());
  if (!pick) return err("no demo keys defined");
  return ok({ list: [pick.secret], allRevoked: pick.allRevoked });
}

/** A scanner's report from `file`, its Clerk-shaped findings kept; a refusal says where it is wrong, never what it holds. */
async function readReport(
  scanner: Scanner,
  file: string,
): Promise<Result<{ kept: AlertMatch[]; skipped: number }, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    return err(code === "ENOENT" ? `no report at ${file}.` : `cannot read the report ${file} (${code}).`);
  }
  const parsed = scanner === "gitleaks" ? parseGitleaksReport(text) : parseTrufflehogReport(text);
  if (!parsed.ok) return err(scannerErrorMessage(scanner, parsed.error));
  return ok(keepClerkShaped(parsed.value));
}

/** The `--webhook-secret` (or the local stack's) for `generic`; the ECDSA key from `--key-file` for the others. */
async function signingFor(
  options: AlertOptions & { sender: Sender },
  devDir: string,
): Promise<Result<AlertSigning, string>> {
  if (options.sender === "generic") {
    return ok({
      sender: "generic",
      webhookSecret: options["webhook-secret"] ?? LOCAL_INBOUND_WEBHOOK_SECRET,
    });
  }
  const keyFile = path.resolve(options["key-file"] ?? path.join(devDir, SIGNING_KEY_FILE));
  try {
    return ok({ sender: options.sender, key: await readSigningKey(keyFile) });
  } catch (error) {
    if (!(error instanceof Error && "code" in error)) {
      // A parse error would quote the file, and a file passed by mistake may hold secrets: say only what is wrong.
      return err(`cannot read the signing key ${keyFile}: it is not a P-256 private key in JWK form.`);
    }
    if (error.code === "ENOENT") {
      return err(
        `no signing key at ${keyFile}. Run \`npm start\` once (it creates one), or pass --key-file.`,
      );
    }
    return err(`cannot read the signing key ${keyFile}: ${error.message}`);
  }
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
}
