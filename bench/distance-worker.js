/**
 * @module
 * The Worker the bench's distance model runs: src/index.ts's handlers and its Durable Object class, with every D1
 * round trip made to cost `DISTANCE_D1_MS` (bench/distance-handlers.ts). src/ is not touched; the bench builds
 * this file with the deploy dry run and serves it with `wrangler dev`, bindings from wrangler.toml as usual.
 *
 * JavaScript because bench/ is type-checked for Node (tsconfig.node.json), which cannot see the workerd types that
 * src/index.ts is written against; everything this file wires is typed where it is written.
 */
import worker from "../src/index.ts";
import { withDistance } from "./distance-handlers.ts";

export { ClerkPacer } from "../src/index.ts";

export default withDistance(worker);
