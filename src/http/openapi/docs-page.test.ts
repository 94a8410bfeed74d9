import { describe, expect, it } from "vitest";
import { renderDocsPage } from "./docs-page";

describe("renderDocsPage", () => {
  const page = renderDocsPage({
    info: { title: "t<script>", version: "1", description: `"quoted" & <b>bold</b>` },
    paths: {
      "/x/{id}": {
        post: {
          summary: "<img src=x onerror=alert(1)>",
          security: [{}],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          requestBody: { $ref: "#/components/requestBodies/Things" },
          responses: { "200": { description: "ok" }, "401": { $ref: "#/components/responses/Denied" } },
        },
      },
    },
    components: {
      schemas: { Thing: { type: "object" } },
      requestBodies: {
        Things: { content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } } },
      },
      responses: {
        Denied: {
          description: "no entry",
          headers: { "Retry-After": { description: "<i>seconds</i>", example: 60 } },
        },
      },
    },
  });

  it("escapes everything it shows", () => {
    expect(page).not.toContain("<script>");
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>bold");
    expect(page).not.toContain("<i>seconds");
    expect(page).toContain("t&#60;script&#62;");
  });

  it("shows each operation, its parameters, body, responses and shared responses", () => {
    expect(page).toContain("POST /x/{id}");
    expect(page).toContain("bearer ADMIN_TOKEN");
    expect(page).toContain('<a href="#schema-Thing">Thing</a>');
    expect(page).toContain('id="schema-Thing"');
    expect(page).toContain("no entry");
    expect(page).toContain(
      "header <code>Retry-After</code> &#60;i&#62;seconds&#60;/i&#62;, e.g. <code>60</code>",
    );
  });
});
