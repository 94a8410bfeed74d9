/**
 * @module
 * The Worker `npm run bench -- --scale` drives (bench/scale.ts): it applies the migrations to its own local D1,
 * generates the log, and runs every path of issue 24 over it with the real adapters of src/incidents/, answering D1's
 * own row counts (test/support/scale.ts, which the budget tests share). One request per step, so the Node side can
 * time and report each.
 */
import {
  clearRetentionBacklog,
  databaseBytes,
  measurePaths,
  measureSweep,
  seedLog,
} from "../test/support/scale";

interface Env {
  DB: D1Database;
}

interface Migration {
  name: string;
  queries: string[];
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.json<Record<string, unknown>>() : {};
    const now = Number(body.now ?? Date.now());
    switch (url.pathname) {
      case "/migrate": {
        for (const m of body.migrations as Migration[]) {
          await env.DB.batch(m.queries.map((q) => env.DB.prepare(q)));
        }
        return Response.json({ ok: true });
      }
      case "/seed": {
        const started = performance.now();
        await seedLog(env.DB, {
          from: Number(body.from),
          to: Number(body.to),
          total: Number(body.total),
          now,
          erased: body.erased === true,
        });
        return Response.json({ ms: performance.now() - started });
      }
      case "/paths":
        return Response.json(await measurePaths(env.DB, now));
      case "/clear":
        return Response.json(await clearRetentionBacklog(env.DB, now, Number(body.maxSweeps)));
      case "/sweep":
        return Response.json(await measureSweep(env.DB, now));
      case "/size":
        return Response.json({ bytes: await databaseBytes(env.DB) });
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
