/**
 * @module
 * Prints the OpenAPI document as JSON, for `npm run openapi` to write into public/openapi.json.
 * Runs in Node through esbuild (the schemas import Worker modules by extensionless paths).
 */
import { buildOpenApiDocument } from "./document";

console.log(JSON.stringify(buildOpenApiDocument(), null, 2));
