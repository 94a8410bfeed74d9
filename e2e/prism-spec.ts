/**
 * @module
 * Clerk's published spec as Prism must serve it to the Worker. The spec's `servers` is `https://api.clerk.com/v1` and
 * its paths sit at the root; `@clerk/backend` calls its machine-auth routes (API keys, M2M tokens, the OAuth token
 * verify) at the root too, but its other clients (machines, OAuth applications, JWKS) under `/v1`, and Prism checks a
 * request against `servers` only when it names one. So the copy handed to Prism serves each of those paths twice: as
 * written, and under `/v1` with the same operation (its `operationId` suffixed, ids being unique). Nothing else of the
 * document changes, so every request is still checked against the operation Clerk published. Text, not YAML: the
 * paths are the document's two-space-indented keys under `paths:`.
 */

/** Path prefixes the SDK calls under `/v1`. */
export const VERSIONED_PATH_PREFIXES = ["/machines", "/oauth_applications", "/jwks"] as const;

/** The spec with every path under `prefixes` (but `/oauth_applications/access_tokens`) served under `/v1` as well. */
export function withVersionedPaths(
  spec: string,
  prefixes: readonly string[] = VERSIONED_PATH_PREFIXES,
): string {
  const lines = spec.split("\n");
  const start = lines.indexOf("paths:");
  if (start < 0) throw new Error("the spec has no paths");
  let end = lines.findIndex((line, i) => i > start && /^\S/.test(line));
  if (end < 0) end = lines.length;
  const copies: string[] = [];
  for (let i = start + 1; i < end; i++) {
    const path = /^ {2}(\/\S*):\s*$/.exec(lines[i] ?? "")?.[1];
    if (path === undefined) continue;
    if (!prefixes.some((p) => path === p || path.startsWith(`${p}/`))) continue;
    // The OAuth token verify is a machine-auth route: the SDK calls it at the root.
    if (path.startsWith("/oauth_applications/access_tokens")) continue;
    let j = i + 1;
    while (j < end && !/^ {2}\S/.test(lines[j] ?? "")) j++;
    copies.push(`  /v1${path}:`);
    for (const line of lines.slice(i + 1, j))
      copies.push(line.replace(/^(\s+operationId: )(\S+)$/, "$1$2_v1"));
  }
  if (copies.length === 0) throw new Error("no path of the spec matched the versioned prefixes");
  return [...lines.slice(0, start + 1), ...copies, ...lines.slice(start + 1)].join("\n");
}
