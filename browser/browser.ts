/**
 * @module
 * The browser the console's browser tests drive: the system's Chromium through playwright-core (Playwright's own
 * browser download cannot be used here). No browser is a failure with a way out, never a silent skip: `.ci/run`
 * installs Debian's `chromium` when it is missing, and CHROMIUM_PATH points elsewhere.
 */
import { access, constants } from "node:fs/promises";
import process from "node:process";
import { type Browser, chromium } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** The browser's path: CHROMIUM_PATH, else Debian's. */
export const chromiumPath = () => process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;

/** Launches Chromium headless, or throws saying how to get one. */
export async function launchChromium(): Promise<Browser> {
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
