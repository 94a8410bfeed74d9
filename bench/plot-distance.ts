/**
 * @module
 * bench/latency.svg's distance panel: one row per path, the time it is judged by (receipt to revocation for a live
 * key, to the answer for the others) at the distance, the same at zero distance beneath it, each run as a dot to
 * show the noise, against the bound (2 Clerk calls + 1 D1 round trip) and its budget. Pure: data in, SVG text out.
 */
import type { DistanceResult } from "./distance.ts";
import { type DistanceSummary, fmtCount, PATH_TITLES } from "./distance-summary.ts";
import { fmt } from "./format.ts";
import { COLORS, legendEntry, line, MARGIN, msLabel, niceCeil, r, text, ticks, WIDTH } from "./svg.ts";

/** What the panel shows. */
export interface DistancePanelData {
  summary: DistanceSummary;
  /** Every run, for the dots. */
  result: DistanceResult;
  /** The budget, as a factor of the bound. */
  budgetFactor: number;
}

const ROW_HEIGHT = 56;
/** Room for the title above the rows and the axis and legend below them. */
const CHROME_HEIGHT = 210;
/** Row labels sit left of the plot, so this panel's left margin is wider than the others'. */
const LEFT = 200;

/** The panel's height for `d`. */
export function distancePanelHeight(d: DistancePanelData): number {
  return CHROME_HEIGHT + ROW_HEIGHT * d.summary.paths.length;
}

/** The panel's elements, drawn from `top` down. */
export function distancePanel(d: DistancePanelData, top: number): string[] {
  const s = d.summary;
  const plotTop = top + 70;
  const plotW = WIDTH - LEFT - MARGIN.right;
  const plotH = ROW_HEIGHT * s.paths.length;
  const budgetMs = d.budgetFactor * s.boundMs;
  const runs = [...d.result.distant, ...d.result.zero];
  const allMs = runs.flatMap((run) => [run.answerMs, run.revokeMs ?? 0]);
  const xMax = niceCeil(Math.max(budgetMs, ...allMs) * 1.05);
  const x = (ms: number) => LEFT + (ms / xMax) * plotW;

  const out: string[] = [
    line(20, top, WIDTH - 20, top, "#ced4da", 1),
    text(WIDTH / 2, top + 26, "Time to revoke with D1 and Clerk at a distance, by path", {
      anchor: "middle",
      size: 17,
      weight: "bold",
    }),
    text(
      WIDTH / 2,
      top + 46,
      `D1 ${fmt(s.d1LatencyMs)} ms per round trip, Clerk ${fmt(s.clerkLatencyMs)} ms per call · medians of ` +
        `${fmt(s.rounds)} rounds · bound ${msLabel(s.boundMs)} = 2 Clerk calls + 1 D1 round trip`,
      { anchor: "middle", size: 12, fill: "#495057" },
    ),
  ];
  for (const ms of ticks(xMax)) {
    out.push(line(x(ms), plotTop, x(ms), plotTop + plotH, COLORS.grid, 1));
    out.push(text(x(ms), plotTop + plotH + 18, msLabel(ms), { anchor: "middle" }));
  }
  out.push(
    `<rect x="${LEFT}" y="${plotTop}" width="${plotW}" height="${plotH}" fill="none" stroke="#868e96"/>`,
    text(LEFT + plotW / 2, plotTop + plotH + 40, "time since the Worker received the alert", {
      anchor: "middle",
      size: 14,
    }),
  );

  s.paths.forEach((p, row) => {
    const y = plotTop + row * ROW_HEIGHT;
    const color = p.revokeMs === undefined ? COLORS.answer : COLORS.revoke;
    out.push(
      text(LEFT - 10, y + 24, PATH_TITLES[p.path], { anchor: "end" }),
      text(
        LEFT - 10,
        y + 40,
        // The counts behind the bar: up to the revocation for a live key, up to the answer for the others.
        p.d1BeforeRevoke === undefined
          ? `${fmtCount(p.d1InSequence)} D1 in sequence · ${fmtCount(p.clerkCalls)} Clerk`
          : `${fmtCount(p.d1BeforeRevoke)} D1 before the revoke · ${fmtCount(p.clerkCalls)} Clerk`,
        { anchor: "end", size: 11, fill: "#495057" },
      ),
      // At the distance, then at zero distance beneath it.
      `<rect x="${LEFT}" y="${r(y + 12)}" width="${r(x(p.judgedMs) - LEFT)}" height="14" fill="${color}"/>`,
      `<rect x="${LEFT}" y="${r(y + 30)}" width="${r(x(p.zero.judgedMs) - LEFT)}" height="8" fill="${COLORS.zero}"/>`,
      text(x(p.judgedMs) + 6, y + 24, msLabel(Math.round(p.judgedMs)), { size: 11 }),
    );
    if (p.revokeMs !== undefined) {
      // A live key is answered after it is revoked: its answer as a mark on the same row.
      out.push(
        `<circle cx="${r(x(p.answerMs))}" cy="${r(y + 19)}" r="4.5" fill="${COLORS.answer}" stroke="#ffffff"/>`,
      );
    }
    for (const run of d.result.distant.filter((run) => run.path === p.path)) {
      const ms = run.revokeMs ?? run.answerMs;
      out.push(`<circle cx="${r(x(ms))}" cy="${r(y + 8)}" r="2" fill="#212529"/>`);
    }
  });

  out.push(
    `<line x1="${r(x(s.boundMs))}" y1="${plotTop}" x2="${r(x(s.boundMs))}" y2="${plotTop + plotH}" ` +
      `stroke="${COLORS.bound}" stroke-width="2" stroke-dasharray="7 5"/>`,
    `<line x1="${r(x(budgetMs))}" y1="${plotTop}" x2="${r(x(budgetMs))}" y2="${plotTop + plotH}" ` +
      `stroke="${COLORS.deadline}" stroke-width="1.5" stroke-dasharray="2 4"/>`,
  );

  // Legend, below the axis: the rows can reach across the whole width.
  const lx = LEFT;
  const ly = plotTop + plotH + 66;
  out.push(
    legendEntry(lx, ly, COLORS.revoke, "square", "live key: receipt to revocation (median)"),
    legendEntry(lx, ly + 20, COLORS.answer, "circle", "receipt to answer (median)"),
    `<rect x="${lx}" y="${ly + 36}" width="28" height="8" fill="${COLORS.zero}"/>`,
    text(lx + 38, ly + 44, "the same at zero distance (this machine's own cost)"),
    `<circle cx="${lx + 14}" cy="${ly + 60}" r="2" fill="#212529"/>`,
    text(lx + 38, ly + 64, "each run at the distance"),
    legendEntry(lx + 350, ly, COLORS.bound, "dashed", `bound ${msLabel(s.boundMs)}`),
    legendEntry(
      lx + 350,
      ly + 20,
      COLORS.deadline,
      "dotted",
      `budget ${fmt(d.budgetFactor, 1)}× = ${msLabel(budgetMs)}`,
    ),
  );
  return out;
}
