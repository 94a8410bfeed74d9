/**
 * @module
 * The few Node built-ins scripts/ and bench/ still load through here, typed locally: each module is loaded by a
 * computed specifier the type checker does not resolve, and only the shapes used are declared. Node only.
 * dev/ and e2e/ import the `node:` modules directly, typed by `@types/node`; new code should too.
 */

/** A readable stream, as far as line-by-line reading needs it. */
export interface NodeReadable {
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
}

/** A writable standard stream. */
export interface NodeWritable {
  write(text: string): boolean;
  isTTY?: boolean;
}

/** The parts of `process` used here. */
export interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  execPath: string;
  pid: number;
  exitCode: number | undefined;
  stdout: NodeWritable;
  stderr: NodeWritable;
  cwd(): string;
  exit(code?: number): never;
  kill(pid: number, signal?: string | number): boolean;
  on(event: "SIGINT" | "SIGTERM", listener: (signal: string) => void): void;
  on(event: "exit", listener: () => void): void;
  off(event: "SIGINT" | "SIGTERM" | "exit", listener: (...args: never[]) => void): void;
}

/** A spawned child process. */
export interface NodeChildProcess {
  pid?: number;
  stdout: NodeReadable | null;
  stderr: NodeReadable | null;
  exitCode: number | null;
  signalCode: string | null;
  on(event: "exit", listener: (code: number | null, signal: string | null) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  kill(signal?: string): boolean;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdio?: ("ignore" | "pipe" | "inherit")[];
  /** A new process group led by the child, so the whole tree can be signalled at once. */
  detached?: boolean;
}

export interface NodeChildProcessModule {
  spawn(command: string, args: readonly string[], options?: SpawnOptions): NodeChildProcess;
}

export interface NodeFsPromises {
  readFile(path: string, encoding: "utf8"): Promise<string>;
  readdir(path: string): Promise<string[]>;
  writeFile(path: string, data: string, options?: { mode?: number; flag?: string }): Promise<void>;
  mkdir(path: string, options: { recursive: true; mode?: number }): Promise<string | undefined>;
  mkdtemp(prefix: string): Promise<string>;
  rm(path: string, options: { recursive?: boolean; force?: boolean }): Promise<void>;
}

export interface NodePath {
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  dirname(path: string): string;
  relative(from: string, to: string): string;
}

export interface NodeNetServer {
  listen(port: number, hostname: string, callback: () => void): void;
  address(): { port: number } | string | null;
  close(callback: (error?: Error) => void): void;
  on(event: "error", listener: (error: Error & { code?: string }) => void): void;
}

export interface NodeNet {
  createServer(): NodeNetServer;
}

/** One option of `util.parseArgs`. */
export interface ParseArgsOption {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}

export interface NodeUtil {
  parseArgs(config: {
    args: string[];
    options: Record<string, ParseArgsOption>;
    allowPositionals?: boolean;
    strict?: boolean;
  }): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
}

export interface NodeOs {
  tmpdir(): string;
}

export interface NodeUrl {
  fileURLToPath(url: string | URL): string;
}

/** The loaded built-ins. */
export interface NodeRuntime {
  process: NodeProcess;
  childProcess: NodeChildProcessModule;
  fs: NodeFsPromises;
  path: NodePath;
  net: NodeNet;
  util: NodeUtil;
  os: NodeOs;
  url: NodeUrl;
}

const SPECIFIERS = {
  process: "node:process",
  childProcess: "node:child_process",
  fs: "node:fs/promises",
  path: "node:path",
  net: "node:net",
  util: "node:util",
  os: "node:os",
  url: "node:url",
} as const;

let loaded: Promise<NodeRuntime> | undefined;

async function load(): Promise<NodeRuntime> {
  const entries = await Promise.all(
    Object.entries(SPECIFIERS).map(async ([name, specifier]) => {
      const module = (await import(/* @vite-ignore */ specifier)) as { default?: unknown };
      // `node:process` is only a default export; the others carry named exports too.
      return [name, name === "process" ? module.default : module] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as NodeRuntime;
}

/** The Node built-ins, loaded once. */
export function node(): Promise<NodeRuntime> {
  loaded ??= load();
  return loaded;
}

/** Whether an error is a Node system error with this `code` (`EADDRINUSE`, `ESRCH`, `ENOENT`, ...). */
export function isNodeError(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
