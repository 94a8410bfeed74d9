/**
 * @module
 * Prints the docs page rendered from the OpenAPI document, for `npm run openapi` to write into
 * public/docs.html. Runs in Node through esbuild, like write.ts.
 */

import { renderDocsPage } from "./docs-page";
import { buildOpenApiDocument } from "./document";

console.log(renderDocsPage(await buildOpenApiDocument()));
