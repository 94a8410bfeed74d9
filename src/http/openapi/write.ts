/**
 * @module
 * Prints the OpenAPI document as JSON, for `npm run openapi` to write into public/openapi.json.
 * Runs in Node through esbuild (the routes import Worker modules by extensionless paths).
 */
import { buildOpenApiDocument } from "./document";

console.log(JSON.stringify(await buildOpenApiDocument(), null, 2));
