import { describe, expect, it } from "vitest";
import { RECORD_MESSAGE_MAX_BYTES, recordMessages } from "./process-unrecorded";

const hash = (n: number) => n.toString(16).padStart(64, "0");
const incident = (n: number, revoked = false) => ({
  h: hash(n),
  p: "ak_abc…",
  t: "clerk_api_key" as const,
  s: "pending" as const,
  x: "v1.sealed",
  ...(revoked ? { revoked: { id: `ak_${"0".repeat(32)}`, subject: "user_x", name: "k" } } : {}),
});
const sighting = (n: number, i: number) => ({
  i: `s${n}-${i}`,
  h: hash(n),
  u: `https://github.com/${"x".repeat(2_000)}/${i}`,
  s: "content",
  t: "clerk_api_key" as const,
});
const base = { sender: "github", at: 1 };
const size = (m: unknown) => new TextEncoder().encode(JSON.stringify(m)).length;

describe("record messages", () => {
  it("keep every incident and sighting, each message under the Queues limit", () => {
    const entries = Array.from({ length: 30 }, (_, n) => ({
      incident: incident(n),
      sightings: Array.from({ length: 5 }, (_, i) => sighting(n, i)),
    }));
    const messages = recordMessages(base, entries);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(size(m)).toBeLessThanOrEqual(RECORD_MESSAGE_MAX_BYTES);
    expect(new Set(messages.flatMap((m) => m.incidents.map((i) => i.h))).size).toBe(30);
    expect(messages.flatMap((m) => m.sightings)).toHaveLength(150);
  });

  it("split one incident's many sightings, saying it was revoked only once", () => {
    const entries = [
      { incident: incident(1, true), sightings: Array.from({ length: 200 }, (_, i) => sighting(1, i)) },
    ];
    const messages = recordMessages(base, entries);
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.every((m) => m.incidents.length === 1)).toBe(true);
    expect(messages.filter((m) => m.incidents[0]?.revoked !== undefined)).toHaveLength(1);
    expect(messages.flatMap((m) => m.sightings)).toHaveLength(200);
  });

  it("are none for no incidents", () => {
    expect(recordMessages(base, [])).toEqual([]);
  });
});
