import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger } from "./log";

describe("consoleLogger", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON object per line: level, event, then the fields", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    consoleLogger.info("sweep", { requeued: 3 });
    expect(log).toHaveBeenCalledWith('{"level":"info","event":"sweep","requeued":3}');
  });

  it("never lets a field named event or level replace the line's own", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    consoleLogger.error("notification_failed", { event: "api_key.revoked", level: "info" });
    expect(JSON.parse(String(error.mock.calls[0]?.[0]))).toEqual({
      level: "error",
      event: "notification_failed",
    });
  });
});
