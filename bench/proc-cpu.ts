/**
 * @module
 * CPU time of a process group from /proc (Linux), split by program: which process a request's CPU goes to. On a
 * machine where the load generator, the stand-ins, wrangler and workerd share a few cores, throughput follows
 * CPU per request, so this says where a slower route spends its extra. Elsewhere it reports nothing.
 */
import { readdir, readFile } from "node:fs/promises";

/** Kernel clock ticks per second of /proc's utime and stime: 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU milliseconds by program name (`workerd`, `node`, ...), summed over the group's processes. */
export type CpuByProgram = Record<string, number>;

/** A snapshot of the group's CPU so far; empty when /proc cannot be read. */
export async function groupCpu(pgid: number): Promise<CpuByProgram> {
  const totals: CpuByProgram = {};
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  } catch {
    return totals;
  }
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const stat = await readFile(`/proc/${pid}/stat`, "utf8");
        // The program name sits in parentheses and may hold spaces; the numeric fields follow the last ")".
        const close = stat.lastIndexOf(")");
        const name = stat.slice(stat.indexOf("(") + 1, close);
        const fields = stat.slice(close + 2).split(" ");
        // After the name: state, ppid, pgrp, …; utime and stime are the 14th and 15th fields of the line.
        if (Number(fields[2]) !== pgid) return;
        const ticks = Number(fields[11]) + Number(fields[12]);
        totals[name] = (totals[name] ?? 0) + (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
      } catch {
        // The process ended between the listing and the read.
      }
    }),
  );
  return totals;
}

/** `after − before`, per program. */
export function cpuDelta(before: CpuByProgram, after: CpuByProgram): CpuByProgram {
  const out: CpuByProgram = {};
  for (const [name, ms] of Object.entries(after)) out[name] = ms - (before[name] ?? 0);
  return out;
}
