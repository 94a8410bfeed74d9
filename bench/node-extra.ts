/**
 * @module
 * The Node built-ins the benchmarks need beyond dev/node-runtime.ts (keep-alive HTTP, CPU and machine facts),
 * typed locally the same way: loaded by a computed specifier the type checker does not resolve, only the shapes
 * used here declared. Node only.
 */

/** A keep-alive connection pool. */
export interface NodeAgent {
  destroy(): void;
}

/** The response side of one `http.request`. */
export interface NodeIncomingMessage {
  statusCode?: number;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  on(event: "end" | "close", listener: () => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  resume(): void;
}

/** The request side of one `http.request`. */
export interface NodeClientRequest {
  on(event: "error", listener: (error: Error) => void): void;
  setTimeout(ms: number, listener: () => void): void;
  destroy(error?: Error): void;
  end(body?: Uint8Array): void;
}

export interface NodeHttpClient {
  Agent: new (options: { keepAlive: boolean; maxSockets: number }) => NodeAgent;
  request(
    url: string,
    options: { method: string; headers: Record<string, string | number>; agent: NodeAgent },
    onResponse: (response: NodeIncomingMessage) => void,
  ): NodeClientRequest;
}

export interface NodeOsInfo {
  cpus(): { model: string; speed: number }[];
  totalmem(): number;
  release(): string;
  platform(): string;
  arch(): string;
  tmpdir(): string;
}

/** `process` as far as CPU accounting and version facts need it. */
export interface NodeProcessInfo {
  version: string;
  cpuUsage(previous?: { user: number; system: number }): { user: number; system: number };
}

/** Directory listing, for /proc. */
export interface NodeFsList {
  readdir(path: string): Promise<string[]>;
}

export interface NodeExtra {
  http: NodeHttpClient;
  os: NodeOsInfo;
  process: NodeProcessInfo;
  fs: NodeFsList;
}

const SPECIFIERS = {
  http: "node:http",
  os: "node:os",
  process: "node:process",
  fs: "node:fs/promises",
} as const;

let loaded: Promise<NodeExtra> | undefined;

/** The extra built-ins, loaded once. */
export function nodeExtra(): Promise<NodeExtra> {
  loaded ??= (async () => {
    const [http, os, process, fs] = await Promise.all(
      Object.values(SPECIFIERS).map((s) => import(/* @vite-ignore */ s) as Promise<{ default?: unknown }>),
    );
    return {
      http: http as unknown as NodeHttpClient,
      os: os as unknown as NodeOsInfo,
      // `node:process` is only a default export.
      process: process?.default as NodeProcessInfo,
      fs: fs as unknown as NodeFsList,
    };
  })();
  return loaded;
}
