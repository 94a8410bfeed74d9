import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendAlert, sendErrorMessage } from "./alert-send.ts";

/** A timeout short enough for a test, long enough for a local answer on a busy machine. */
const SHORT_TIMEOUT_MS = 300;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<URL> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/alerts/github`);
}

const alertTo = (url: URL) => ({ url, headers: { "content-type": "application/json" }, body: "[]" });

describe("sending an alert", () => {
  it("returns the answer of any status with its text", async () => {
    const url = await listen((_req, res) => {
      res.writeHead(401).end('{"error":"Invalid or missing signature."}');
    });
    const result = await sendAlert(alertTo(url));
    expect(result).toMatchObject({
      ok: true,
      value: { status: 401, ok: false, text: '{"error":"Invalid or missing signature."}' },
    });
  });

  it("reports a refused connection by the target's origin", async () => {
    const url = await listen(() => undefined);
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const result = await sendAlert(alertTo(url));
    expect(result).toEqual({ ok: false, error: { kind: "refused", origin: url.origin } });
    if (!result.ok) expect(sendErrorMessage(result.error)).toContain("Is `npm start` running?");
  });

  it("gives up on a target that does not answer within the timeout", async () => {
    const url = await listen(() => undefined);
    const result = await sendAlert(alertTo(url), SHORT_TIMEOUT_MS);
    expect(result).toEqual({
      ok: false,
      error: { kind: "timeout", url: url.href, timeoutMs: SHORT_TIMEOUT_MS },
    });
    if (!result.ok) expect(sendErrorMessage(result.error)).toBe(`no answer from ${url.href} within 0.3 s.`);
  });
});
