/**
 * @module
 * Sections of bench/RESULTS.md that a measure of its own writes (`--scale`, `--mixed`) and the full bench keeps as it
 * finds them: each between an opening and a closing HTML comment. Pure: text in, text out.
 */

/** A section's markers. */
export interface SectionMarkers {
  start: string;
  end: string;
}

/** The section of `markdown` between `markers`, markers included; `""` when it has none. */
export function sectionOf(markdown: string, { start, end }: SectionMarkers): string {
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  return from >= 0 && to > from ? markdown.slice(from, to + end.length) : "";
}

/** `markdown` with its section replaced by `section` (added at the end when it had none; kept when `section` is empty). */
export function withSection(markdown: string, markers: SectionMarkers, section: string): string {
  const old = sectionOf(markdown, markers);
  if (section === "") return markdown;
  if (old !== "") return markdown.replace(old, section);
  return `${markdown.trimEnd()}\n\n${section}\n`;
}
