import { describe, expect, it } from "vitest";
import { listQuery, PAGE_SCAN_LIMIT, prefixEnd, SEARCH_MATCH_LIMIT } from "./list-query";

const COLUMNS = "i.token_hash";
const HASH = "a".repeat(64);

describe("listQuery", () => {
  it("seeks the newest-first index, one row more than the page, when nothing filters", () => {
    const q = listQuery({}, undefined, 50, COLUMNS);
    expect(q.mode).toBe("seek");
    expect(q.sql).toContain("INDEXED BY incidents_first_seen_hash");
    expect(q.params).toEqual([51]);
  });

  it("seeks a status's own index, with since and the cursor as its range", () => {
    const q = listQuery({ status: "failed", since: 100 }, { firstSeenAt: 200, tokenHash: HASH }, 10, COLUMNS);
    expect(q.mode).toBe("seek");
    expect(q.sql).toContain("INDEXED BY incidents_status_seen");
    expect(q.sql).toContain("(d.first_seen_at, d.token_hash) < (?3, ?4)");
    expect(q.params).toEqual(["failed", 100, 200, HASH, 11]);
  });

  it("seeks the instance index when the instance is the only filter", () => {
    const q = listQuery({ instance: "eu" }, undefined, 10, COLUMNS);
    expect(q.mode).toBe("seek");
    expect(q.sql).toContain("INDEXED BY incidents_instance_seen");
  });

  it("scans at most PAGE_SCAN_LIMIT rows when a filter has no index: a sender, a label, a second filter", () => {
    for (const filter of [
      { sender: "github" },
      { label: "true_positive" as const },
      { status: "revoked" as const, instance: "eu" },
    ]) {
      const q = listQuery(filter, undefined, 10, COLUMNS);
      expect(q.mode, JSON.stringify(filter)).toBe("scan");
      expect(q.params.at(-1)).toBe(PAGE_SCAN_LIMIT);
      expect(q.sql).toContain("LEFT JOIN incidents AS i ON i.rowid = d.rowid AND");
    }
  });

  it("tests a sender on the incident's own senders, quoted, so github does not match github_app", () => {
    const q = listQuery({ sender: "github" }, undefined, 10, COLUMNS);
    expect(q.sql).toContain("instr(i.senders, json_quote(?1)) > 0");
  });

  it("searches by range on each index, the hash's only for hex", () => {
    const named = listQuery({ search: "Billing" }, undefined, 10, COLUMNS);
    expect(named.mode).toBe("search");
    expect(named.params).toEqual([
      SEARCH_MATCH_LIMIT + 1,
      "Billing",
      prefixEnd("Billing"),
      "Billing",
      "billing",
      prefixEnd("billing"),
      11,
    ]);
    const hex = listQuery({ search: "AB12" }, undefined, 10, COLUMNS);
    expect(hex.params).toContain("ab12");
    expect(hex.params).toContain("ab12g");
  });

  it("keeps every value out of the SQL: a search is a bound parameter", () => {
    const q = listQuery({ search: "x' OR 1=1 --", sender: "a'b" }, undefined, 10, COLUMNS);
    expect(q.sql).not.toContain("OR 1=1");
    expect(q.sql).not.toContain("a'b");
  });
});

describe("prefixEnd", () => {
  it("sorts after every string with the prefix and before the next prefix", () => {
    const end = prefixEnd("ak_3b");
    expect("ak_3bee…" < end).toBe(true);
    expect("ak_3b" < end).toBe(true);
    expect("ak_3c" > end).toBe(true);
  });
});
