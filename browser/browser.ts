/**
 * @module
 * The browser the console's browser tests drive: the system's Chromium through playwright-core (Playwright's own
 * browser download cannot be used here). No browser is a failure with a way out, never a silent skip: `.ci/run`
 * installs Debian's `chromium` when it is missing, and CHROMIUM_PATH points elsewhere.
 */
import { access, constants, readFile } from "node:fs/promises";
import process from "node:process";
import { type Browser, chromium } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** The browser's path: CHROMIUM_PATH, else Debian's. */
export const chromiumPath = () => process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;

/**
 * Set by `.ci/run` when it installs Chromium in the background while the rest of `npm test` runs: the file the install
 * writes its exit status to when it ends.
 */
const INSTALL_STATUS_ENV = "AUTOREVOKE_CHROMIUM_INSTALL_STATUS";
/** The longest the browser tests wait for that install; it takes about two minutes and starts long before them. */
const INSTALL_WAIT_MS = 100_000;
const INSTALL_POLL_MS = 1_000;

/** Waits for a background install of Chromium, if one is under way; throws when it failed or outlasts the wait. */
async function awaitBackgroundInstall(): Promise<void> {
  const statusFile = process.env[INSTALL_STATUS_ENV];
  if (!statusFile) return;
  const deadline = Date.now() + INSTALL_WAIT_MS;
  for (;;) {
    let status: string | undefined;
    try {
      status = (await readFile(statusFile, "utf8")).trim();
    } catch {
      status = undefined;
    }
    if (status === "0") return;
    if (status !== undefined && status !== "")
      throw new Error(`Installing Chromium failed (exit status ${status}); see ${statusFile}.log.`);
    if (Date.now() > deadline)
      throw new Error(`Chromium's install was still running after ${INSTALL_WAIT_MS} ms.`);
    await new Promise((resolve) => setTimeout(resolve, INSTALL_POLL_MS));
  }
}

/** Launches Chromium headless, or throws saying how to get one. */
export async function launchChromium(): Promise<Browser> {
  await awaitBackgroundInstall();
  const path = chromiumPath();
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(
      `No browser found at ${path}. The console's browser tests need Chromium: install it with ` +
        "`apt-get install -y --no-install-recommends chromium` (as root; .ci/run does this in CI), or set " +
        "CHROMIUM_PATH to a Chromium or Chrome binary. These tests are never skipped.",
    );
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: path, args: ["--no-sandbox"] });
}
