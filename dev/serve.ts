/**
 * @module
 * Serves a web-standard `(request) => Promise<Response>` handler over HTTP with `node:http` (Node only), for
 * `npm start` and end-to-end tests. Status, headers (content type byte for byte) and a streamed body pass through
 * unchanged; when the client hangs up, the request's `signal` aborts, which ends a scripted hang early.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** A web-standard request handler, as the stand-ins export. */
export type Handler = (request: Request) => Promise<Response>;

export interface ServeOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default: the stand-ins are for this machine only. */
  hostname?: string;
}

export interface RunningServer {
  /** `http://<hostname>:<port>`, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts serving `handle`; resolves once listening. */
export async function serve(handle: Handler, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = createServer((req, res) => {
    void respond(handle, req, res, hostname);
  });
  await new Promise<void>((resolve, reject) => {
    server.on("error", reject);
    server.listen(options.port ?? 0, hostname, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests would hold close() open for their whole scripted delay.
        server.closeAllConnections();
      }),
  };
}

async function respond(
  handle: Handler,
  req: IncomingMessage,
  res: ServerResponse,
  hostname: string,
): Promise<void> {
  const aborter = new AbortController();
  res.on("close", () => {
    if (!res.writableEnded) aborter.abort();
  });
  try {
    const response = await handle(await toRequest(req, hostname, aborter.signal));
    await writeResponse(response, res, aborter.signal);
  } catch {
    // A handler bug, or the client went away mid-stream: answer 500 when nothing was sent yet; never log.
    if (!res.writableEnded) {
      try {
        res.statusCode = 500;
        res.end();
      } catch {
        res.destroy();
      }
    }
  }
}

async function toRequest(req: IncomingMessage, hostname: string, signal: AbortSignal): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    if (name !== undefined && value !== undefined) headers.append(name, value);
  }
  const method = req.method ?? "GET";
  const host = headers.get("host") ?? hostname;
  const url = new URL(req.url ?? "/", `http://${host}`);
  // Buffered: stand-in request bodies are small, and a buffered body needs no `duplex: "half"`.
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (method !== "GET" && method !== "HEAD") {
    const chunks: Uint8Array[] = [];
    // Buffers: no encoding is set on `req`, so it never yields strings.
    for await (const chunk of req) chunks.push(chunk);
    body = concat(chunks);
  }
  return new Request(url, { method, headers, body: body ?? null, signal });
}

async function writeResponse(response: Response, res: ServerResponse, signal: AbortSignal): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const setCookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  if (setCookies.length > 0) res.setHeader("set-cookie", setCookies);
  if (response.body === null) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  try {
    for (;;) {
      if (signal.aborted) {
        await reader.cancel();
        return;
      }
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          res.once("drain", resolve);
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    }
    res.end();
  } finally {
    reader.releaseLock();
  }
}

/** One buffer over a plain ArrayBuffer, which `Request` accepts as a body in every runtime. */
function concat(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
