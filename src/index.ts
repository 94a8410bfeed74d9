/**
 * @module
 * The Worker entry point: `fetch`, `queue` and `scheduled`, nothing else.
 */
import { createApp } from "./app";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
