import { describe, expect, it } from "vitest";
import type { ClerkHealthProbe } from "../clerk/health-probe";
import { HEALTH_SLOT_MAX_WAIT_MS, type ProbeFacts } from "../domain/clerk-health";
import type { PaceDecision, PacePriority } from "../domain/pace-schedule";
import type { LogFields, Logger } from "../lib/log";
import type { Pacer } from "../pacing/pacer";
import { checkClerkHealth, watchClerkHealth } from "./check-clerk-health";

const NOW = 1_900_000_000_000;

/** A pacer that grants (or refuses) every booking, and remembers what it was asked. */
function fakePacer(decision: PaceDecision = { granted: true, waitMs: 0 }) {
  const asked: { priority: PacePriority; maxWaitMs: number }[] = [];
  const slowedFor: number[] = [];
  const pacer: Pacer = {
    reserve: async (priority, maxWaitMs) => {
      asked.push({ priority, maxWaitMs });
      return decision;
    },
    slowDown: async (ms) => {
      slowedFor.push(ms);
    },
  };
  return { pacer, asked, slowedFor };
}

/** A probe that answers `facts`, counting its calls. */
function fakeProbe(facts: ProbeFacts) {
  let calls = 0;
  return {
    probe: async () => {
      calls++;
      return facts;
    },
    get calls() {
      return calls;
    },
  };
}

function recordingLog() {
  const lines: { level: string; event: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (event: string, fields?: LogFields): void => {
      lines.push({ level, event, ...(fields ? { fields } : {}) });
    };
  const log: Logger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines };
}

const deps = (instances: { name: string; probe: ClerkHealthProbe; pacer: Pacer }[]) => ({
  instances,
  sleep: async () => {},
  now: () => NOW,
});

const clerk404: ProbeFacts = { kind: "answered", status: 404, clerkShaped: true };

describe("checkClerkHealth", () => {
  it("checks every instance, in the configured order, with its name and the time", async () => {
    const checked = await checkClerkHealth(
      deps([
        { name: "prod", probe: fakeProbe(clerk404), pacer: fakePacer().pacer },
        {
          name: "staging",
          probe: fakeProbe({ kind: "answered", status: 401, clerkShaped: true }),
          pacer: fakePacer().pacer,
        },
      ]),
    );
    expect(
      checked.map(({ name, status, httpStatus, checkedAt }) => ({ name, status, httpStatus, checkedAt })),
    ).toEqual([
      { name: "prod", status: "ok", httpStatus: 404, checkedAt: NOW },
      { name: "staging", status: "unauthorised", httpStatus: 401, checkedAt: NOW },
    ]);
  });

  it("books a background slot with a short wait before calling Clerk", async () => {
    const { pacer, asked } = fakePacer();
    await checkClerkHealth(deps([{ name: "default", probe: fakeProbe(clerk404), pacer }]));
    expect(asked).toEqual([{ priority: "background", maxWaitMs: HEALTH_SLOT_MAX_WAIT_MS }]);
  });

  it("reports an instance whose pace has no slot free soon as paced, and never calls Clerk for it", async () => {
    const probe = fakeProbe(clerk404);
    const { pacer } = fakePacer({ granted: false, retryAfterMs: 4_000 });
    const [checked] = await checkClerkHealth(deps([{ name: "default", probe, pacer }]));
    expect(checked).toMatchObject({ name: "default", status: "paced" });
    expect(checked?.httpStatus).toBeUndefined();
    expect(probe.calls).toBe(0);
  });

  it("tells the pacer about Clerk's 429, with its Retry-After", async () => {
    const { pacer, slowedFor } = fakePacer();
    const probe = fakeProbe({ kind: "answered", status: 429, clerkShaped: true, retryAfterSeconds: 7 });
    await checkClerkHealth(deps([{ name: "default", probe, pacer }]));
    expect(slowedFor).toEqual([7_000]);
  });

  it("slows nothing down for any other answer", async () => {
    const { pacer, slowedFor } = fakePacer();
    const probe = fakeProbe({ kind: "answered", status: 503, clerkShaped: true });
    await checkClerkHealth(deps([{ name: "default", probe, pacer }]));
    expect(slowedFor).toEqual([]);
  });
});

describe("watchClerkHealth (the cron's check)", () => {
  it("logs clerk_instance_unhealthy for each instance that is not ok, with its name, status and HTTP status", async () => {
    const { log, lines } = recordingLog();
    await watchClerkHealth({
      ...deps([
        { name: "prod", probe: fakeProbe(clerk404), pacer: fakePacer().pacer },
        {
          name: "staging",
          probe: fakeProbe({ kind: "answered", status: 404, clerkShaped: false }),
          pacer: fakePacer().pacer,
        },
      ]),
      log,
    });
    expect(lines).toEqual([
      {
        level: "error",
        event: "clerk_instance_unhealthy",
        fields: {
          instance: "staging",
          status: "misrouted",
          http_status: 404,
          detail: "CLERK_API_URL answers 404 without Clerk's error body: check its path.",
        },
      },
    ]);
  });

  it("logs an instance not checked for its pace as not checked, not as unhealthy", async () => {
    const { log, lines } = recordingLog();
    await watchClerkHealth({
      ...deps([
        {
          name: "default",
          probe: fakeProbe(clerk404),
          pacer: fakePacer({ granted: false, retryAfterMs: 1_000 }).pacer,
        },
      ]),
      log,
    });
    expect(lines.map((l) => [l.level, l.event])).toEqual([["info", "clerk_health_not_checked"]]);
  });

  it("logs nothing when every instance is ok", async () => {
    const { log, lines } = recordingLog();
    await watchClerkHealth({
      ...deps([{ name: "default", probe: fakeProbe(clerk404), pacer: fakePacer().pacer }]),
      log,
    });
    expect(lines).toEqual([]);
  });

  it("never throws, and names a failure by the error's name alone", async () => {
    const { log, lines } = recordingLog();
    const broken: ClerkHealthProbe = {
      probe: async () => {
        throw new TypeError("sk_test_should_never_be_logged");
      },
    };
    await expect(
      watchClerkHealth({ ...deps([{ name: "default", probe: broken, pacer: fakePacer().pacer }]), log }),
    ).resolves.toBeUndefined();
    expect(lines).toEqual([
      { level: "error", event: "clerk_health_check_failed", fields: { error: "TypeError" } },
    ]);
  });
});
