/**
 * @module
 * The browser that the console's browser tests and `npm run screenshots` drive through playwright-core (Playwright's
 * own browser download cannot be used here). By default it is the Chromium that `npm ci` installs: the
 * `@sparticuz/chromium` package ships it inside itself, and it is unpacked on first use into
 * `node_modules/.cache/autorevoke-chromium/`. CHROMIUM_PATH names another Chromium or Chrome instead. A browser that
 * cannot be unpacked or started fails the tests saying why; they are never skipped.
 */
import { execFile } from "node:child_process";
import { access, chmod, constants, mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type Browser, chromium } from "playwright-core";
import * as v from "valibot";

/**
 * Where the npm Chromium is unpacked, one folder per version of the package. Not `@sparticuz/chromium`'s own
 * `/tmp/chromium`: that one path is shared by every user and checkout, is written owner-only (so root's copy stops
 * anyone else), can be planted by another user, and is taken as complete by its mere existence, even half-written.
 * Under node_modules it belongs to whoever ran `npm ci`, can be written only by them, and `npm ci` clears it.
 */
const CACHE_DIR = fileURLToPath(new URL("../node_modules/.cache/autorevoke-chromium/", import.meta.url));
/** Unpacking takes about 2 s; this is for a loaded machine. */
const UNPACK_TIMEOUT_MS = 120_000;
/**
 * Run in a child Node whose TMPDIR is a private staging folder, since `executablePath()` unpacks into the temp
 * directory; it prints where the binary went.
 */
const UNPACK_SCRIPT =
  "const { default: c } = await import(process.argv[1]); process.stdout.write(await c.executablePath());";

/**
 * Flags for any Chromium here. `@sparticuz/chromium`'s own `args` are not used: they are tuned for AWS Lambda.
 * Its `--single-process` (with `--no-zygote`) makes `newPage()` fail or hang once a context is open, and these tests
 * open several; `--disable-web-security`, `--allow-running-insecure-content` and site isolation switched off would
 * weaken the browser protections the console's tests rely on; `--use-angle=swiftshader` serves WebGL, which the
 * console does not use. Of its list only `--no-sandbox` is needed.
 */
const CHROMIUM_ARGS = [
  // Chromium's sandbox refuses to start as root (CI runs as root), and as another user it needs user namespaces or a
  // setuid helper that the npm package does not ship. The browser opens only this machine's own test pages.
  "--no-sandbox",
  // The network here is closed: without these, Chromium's own background connections fail, many at a time.
  // Playwright passes them by default too; here they do not depend on that.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const PackageJsonSchema = v.object({ version: v.string() });

const exists = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

/**
 * The npm Chromium's binary, unpacked on first use. Safe when several processes do it at once: each unpacks into a
 * staging folder of its own and renames it into place, which only one can do; a later one uses the first one's copy.
 * So the folder, when it exists, is whole.
 */
async function npmChromium(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve("@sparticuz/chromium");
  const manifest = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8"));
  const { version } = v.parse(PackageJsonSchema, manifest);
  const dir = join(CACHE_DIR, version);
  const executable = join(dir, "chromium");
  if (await exists(executable)) return executable;

  let staging: string | undefined;
  try {
    await mkdir(CACHE_DIR, { recursive: true });
    staging = await mkdtemp(join(CACHE_DIR, `${version}.unpacking-`));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", UNPACK_SCRIPT, pathToFileURL(entry).href],
      { env: { ...process.env, TMPDIR: staging }, timeout: UNPACK_TIMEOUT_MS },
    );
    if (stdout !== join(staging, "chromium"))
      throw new Error(`@sparticuz/chromium unpacked to ${JSON.stringify(stdout)}, not into ${staging}.`);
    // Readable and runnable by all, like the rest of node_modules (the package writes them owner-only), so another
    // user can run the tests in this checkout too.
    await chmod(staging, 0o755);
    await chmod(stdout, 0o755);
    await rename(staging, dir);
    return executable;
  } catch (error) {
    if (staging) await rm(staging, { recursive: true, force: true });
    // Another process renamed its copy into place first: that one is whole.
    if (await exists(executable)) return executable;
    throw new Error(
      `Could not unpack @sparticuz/chromium ${version} into ${dir}. Run \`npm ci\` again, or set CHROMIUM_PATH to a ` +
        "Chromium or Chrome binary.",
      { cause: error },
    );
  }
}

/** Launches Chromium headless: CHROMIUM_PATH if set, else the npm one. Throws saying which failed and what to do. */
export async function launchChromium(): Promise<Browser> {
  const override = process.env.CHROMIUM_PATH;
  const executablePath = override || (await npmChromium());
  const which = override ? `CHROMIUM_PATH (${override})` : `the npm Chromium (${executablePath})`;
  try {
    return await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  } catch (error) {
    throw new Error(
      `Could not start ${which}. ` +
        (override
          ? "Point CHROMIUM_PATH at a Chromium or Chrome binary, or unset it to use the one `npm ci` installs."
          : "Run `npm ci` again, or set CHROMIUM_PATH to a Chromium or Chrome binary.") +
        " These tests are never skipped.",
      { cause: error },
    );
  }
}
