/**
 * @module
 * The pieces bench/latency.svg is drawn with, shared by its panels: the page's width and colours, elements (lines,
 * text, legend entries) and round axis ticks. Written by hand, no plotting dependency. Pure: numbers in, SVG text out.
 */
import { fmt } from "./format.ts";

/** The whole plot's width; every panel spans it. */
export const WIDTH = 820;
/** The plots' margins; a panel may widen its own left one for row labels. */
export const MARGIN = { left: 90, right: 30, top: 70, bottom: 70 };
export const COLORS = {
  answer: "#1f6feb",
  revoke: "#d9480f",
  bound: "#495057",
  deadline: "#c92a2a",
  grid: "#e9ecef",
  limited: "#e8590c",
  zero: "#adb5bd",
};

/** A round axis end at or above `value`: 1, 2 or 5 times a power of ten, or a multiple of the step below. */
export function niceCeil(value: number): number {
  const step = tickStep(value);
  return Math.max(step, Math.ceil(value / step) * step);
}

/** About six to ten ticks from 0 to `max`. */
function tickStep(max: number): number {
  const raw = max / 8;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  const unit = [1, 2, 5, 10].find((f) => f * power >= raw) ?? 10;
  return unit * power;
}

/** The ticks from 0 to `max`, `tickStep(max)` apart. */
export function ticks(max: number): number[] {
  const step = tickStep(max);
  const out: number[] = [];
  for (let v = 0; v <= max + step / 1000; v += step) out.push(v);
  return out;
}

/** `130 ms`, or `15 s` from a second up. */
export function msLabel(ms: number): string {
  return ms < 1000 ? `${fmt(ms)} ms` : `${fmt(ms / 1000)} s`;
}

/** A coordinate rounded to a tenth of a pixel: enough for the eye, and a smaller file. */
export const r = (n: number) => Math.round(n * 10) / 10;

/** A straight line. */
export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width: number): string {
  return `<line x1="${r(x1)}" y1="${r(y1)}" x2="${r(x2)}" y2="${r(y2)}" stroke="${stroke}" stroke-width="${width}"/>`;
}

/** A line through `points`, dashed when `dash` is given. */
export function polyline(
  points: readonly (readonly [number, number])[],
  stroke: string,
  dash?: string,
): string {
  const d = points.map(([px, py]) => `${r(px)},${r(py)}`).join(" ");
  const dashed = dash ? ` stroke-dasharray="${dash}"` : "";
  return `<polyline points="${d}" fill="none" stroke="${stroke}" stroke-width="2"${dashed}/>`;
}

/** A text element, `content` escaped. */
export function text(
  px: number,
  py: number,
  content: string,
  style: { anchor?: "start" | "middle" | "end"; size?: number; weight?: string; fill?: string } = {},
): string {
  const attrs = [
    `x="${r(px)}"`,
    `y="${r(py)}"`,
    style.anchor ? `text-anchor="${style.anchor}"` : "",
    style.size ? `font-size="${style.size}"` : "",
    style.weight ? `font-weight="${style.weight}"` : "",
    style.fill ? `fill="${style.fill}"` : "",
  ].filter(Boolean);
  return `<text ${attrs.join(" ")}>${escapeXml(content)}</text>`;
}

/** A legend entry: a sample of the line or mark, then its label. */
export function legendEntry(
  px: number,
  py: number,
  color: string,
  mark: "circle" | "square" | "dashed" | "dotted",
  label: string,
): string {
  const sample =
    mark === "dashed" || mark === "dotted"
      ? `<line x1="${px}" y1="${py}" x2="${px + 28}" y2="${py}" stroke="${color}" stroke-width="2" ` +
        `stroke-dasharray="${mark === "dashed" ? "7 5" : "2 4"}"/>`
      : `<line x1="${px}" y1="${py}" x2="${px + 28}" y2="${py}" stroke="${color}" stroke-width="2"/>` +
        (mark === "circle"
          ? `<circle cx="${px + 14}" cy="${py}" r="5" fill="${color}" stroke="#ffffff"/>`
          : `<rect x="${px + 9.5}" y="${py - 4.5}" width="9" height="9" fill="${color}" stroke="#ffffff"/>`);
  return `${sample}${text(px + 38, py + 4, label)}`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
