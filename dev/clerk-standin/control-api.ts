/**
 * @module
 * The control API under `/__standin/`: tests drive a stand-in over HTTP with it, so tests running inside workerd can
 * reach a stand-in in Node through `fetch`. Keys (`POST keys`, `GET keys`, `GET keys/<id>`), M2M tokens (`POST
 * m2m_tokens` mints one, as its machine would; `GET m2m_tokens`), machines (`POST machines` creates one and hands
 * back its secret key; `GET machines`), the fault script
 * (`POST`/`GET script`), the rate limit, the latency, the accepted secret keys (`POST secret-keys`
 * `{"secret_keys": [...]}`, for a rotation), the modes (`POST modes` with any subset of them, `GET modes`), the call
 * log (`GET calls`) and `POST reset`. It never writes to the console, and its errors name what was expected, never
 * what was sent.
 */
import { Hono } from "hono/tiny";
import * as v from "valibot";
import { jsonResponse, readJsonBody } from "../standin-util.ts";
import { ClerkFaultScriptSchema } from "./fault-script.ts";
import { StandinKeyInputSchema } from "./key-store.ts";
import { StandinM2MTokenInputSchema } from "./m2m-store.ts";
import { StandinMachineInputSchema } from "./machine-store.ts";
import { parseModes } from "./modes.ts";
import { RateLimitSchema } from "./rate-limit.ts";
import type { StandinState } from "./state.ts";

const SecretKeysSchema = v.strictObject({
  secret_keys: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
});
const LatencySchema = v.strictObject({ ms: v.pipe(v.number(), v.minValue(0)) });

/** Builds the control API of one stand-in instance, to be mounted at `/__standin`. */
export function createControlApi(state: StandinState): Hono {
  return new Hono()
    .post("/reset", async () => {
      await state.reset();
      return jsonResponse(200, { ok: true });
    })
    .get("/calls", () => jsonResponse(200, state.calls.entries()))
    .get("/script", () => jsonResponse(200, state.faults.pending()))
    .get("/keys", () => jsonResponse(200, state.keys.states()))
    .get("/keys/:id", (c) => {
      const key = state.keys.state(c.req.param("id"));
      return key ? jsonResponse(200, key) : jsonResponse(404, { error: "no such key" });
    })
    .post("/keys", async (c) => {
      const input = await parseControlBody(StandinKeyInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { json, secret } = await state.keys.add(input.value);
      return jsonResponse(200, { id: json.id, secret, name: json.name, subject: json.subject });
    })
    .get("/m2m_tokens", () => jsonResponse(200, state.m2mTokens.states()))
    .post("/m2m_tokens", async (c) => {
      const input = await parseControlBody(StandinM2MTokenInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { json, token } = await state.m2mTokens.add(input.value);
      return jsonResponse(200, { id: json.id, token, subject: json.subject });
    })
    .get("/machines", () => jsonResponse(200, state.machines.states()))
    .post("/machines", async (c) => {
      const input = await parseControlBody(StandinMachineInputSchema, c.req.raw);
      if (!input.ok) return input.response;
      const { json, secret } = state.machines.add(input.value);
      return jsonResponse(200, { id: json.id, name: json.name, secret });
    })
    .post("/script", async (c) => {
      const input = await parseControlBody(ClerkFaultScriptSchema, c.req.raw);
      if (!input.ok) return input.response;
      state.faults.replace(input.value);
      return jsonResponse(200, { ok: true, pending: input.value.length });
    })
    .post("/rate-limit", async (c) => {
      const input = await parseControlBody(v.nullable(RateLimitSchema), c.req.raw);
      if (!input.ok) return input.response;
      state.rateLimit.set(input.value);
      return jsonResponse(200, { ok: true, rateLimit: input.value });
    })
    .post("/secret-keys", async (c) => {
      const input = await parseControlBody(SecretKeysSchema, c.req.raw);
      if (!input.ok) return input.response;
      state.setSecretKeys(input.value.secret_keys);
      return jsonResponse(200, { ok: true, accepted: input.value.secret_keys.length });
    })
    .get("/modes", () => jsonResponse(200, state.modes.current()))
    .post("/modes", async (c) => {
      const body = await readJsonBody(c.req.raw);
      const parsed = parseModes(body.kind === "json" ? body.value : body.kind === "empty" ? {} : undefined);
      if (!parsed.ok) return invalidControlRequest(parsed.issues);
      return jsonResponse(200, { ok: true, modes: state.modes.set(parsed.value) });
    })
    .post("/latency", async (c) => {
      const input = await parseControlBody(LatencySchema, c.req.raw);
      if (!input.ok) return input.response;
      state.setLatency(input.value.ms);
      return jsonResponse(200, { ok: true, ms: input.value.ms });
    })
    .all("*", () => jsonResponse(404, { error: "no such control route" }));
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** The request's JSON body (an empty body is `{}`) validated against `schema`, or the 400 answer. */
async function parseControlBody<TSchema extends v.GenericSchema>(
  schema: TSchema,
  request: Request,
): Promise<Parsed<v.InferOutput<TSchema>>> {
  const body = await readJsonBody(request);
  const value = body.kind === "json" ? body.value : body.kind === "empty" ? {} : undefined;
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  // Names the path and the expectation only: the rejected value could be a secret.
  const issues = result.issues.map(
    (i) => `${i.path?.map((p) => String(p.key)).join(".") || "body"}: expected ${i.expected}`,
  );
  return { ok: false, response: invalidControlRequest(issues) };
}

function invalidControlRequest(issues: readonly string[]): Response {
  return jsonResponse(400, { error: "invalid control request", issues });
}
