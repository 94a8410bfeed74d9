/**
 * The layers of src/ and the imports each may make, checked in `npm test` (`npm run deps`). docs/ARCHITECTURE.md
 * explains them; this file is what holds them. From the bottom up:
 *
 *   lib          generic helpers                      imports nothing of src/
 *   domain       the vocabulary and pure rules        lib
 *   config       reading env once                     domain, lib
 *   queue        queue messages and sending them      domain, lib
 *   adapters     access (Cloudflare Access tokens),   domain, lib; config as types only; never each other
 *                clerk, incidents (D1), notify,
 *                pacing (Durable Object), senders
 *   use-cases    what the Worker does                 domain, lib, queue; config and adapters as types only
 *   http         Hono app, routes, refusals           domain, lib, http; config, use-cases, adapters as types only
 *   wiring.ts    the one composition root             everything but http and index
 *   index.ts     the Worker's handlers                http, wiring, config, lib, the pacing Durable Object, queue/hand-back
 *
 * Tests (*.test.ts) are outside the layers: they may import whatever they test.
 */
const ADAPTERS = "(access|clerk|github|incidents|notify|pacing|senders)";
const notTest = "\\.test\\.ts$";

/** A rule that `from` may not import `to` (at run time when `typesAllowed`; at all otherwise). */
function forbid(name, comment, from, to, typesAllowed = false) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from, pathNot: notTest },
    to: typesAllowed ? { path: to, dependencyTypesNot: ["type-only"] } : { path: to },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "An import cycle ties modules so that neither can be read or tested alone.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "src-stands-alone",
      comment: "The Worker never imports stand-ins, tests, scripts or benchmarks: only src/ is deployed.",
      severity: "error",
      from: { path: "^src/", pathNot: notTest },
      to: { path: "^(dev|test|scripts|bench|e2e)/" },
    },
    forbid(
      "lib-is-the-bottom",
      "lib/ holds generic helpers and knows nothing of autorevoke.",
      "^src/lib/",
      "^src/(?!lib/)",
    ),
    forbid(
      "domain-is-pure",
      "domain/ is the vocabulary and pure rules: no I/O, no configuration, nothing above it.",
      "^src/domain/",
      "^src/(?!domain/|lib/)",
    ),
    forbid(
      "config-reads-env-only",
      "config/ reads env into values; it builds nothing.",
      "^src/config/",
      "^src/(?!config/|domain/|lib/)",
    ),
    forbid(
      "queue-knows-messages-only",
      "queue/ is messages and their sending.",
      "^src/queue/",
      "^src/(?!queue/|domain/|lib/)",
    ),
    forbid(
      "adapters-stay-below",
      "An adapter talks to one back end; it never reaches up into use cases, HTTP or the wiring.",
      `^src/${ADAPTERS}/`,
      "^src/(use-cases/|http/|queue/|wiring\\.ts|index\\.ts)",
    ),
    forbid(
      "adapters-stay-apart",
      "Adapters never call each other: the use cases compose them.",
      "^src/(clerk)/",
      "^src/(access|github|incidents|notify|pacing|senders)/",
    ),
    forbid(
      "access-apart",
      "Adapters never call each other.",
      "^src/access/",
      "^src/(clerk|github|incidents|notify|pacing|senders)/",
    ),
    forbid(
      "incidents-apart",
      "Adapters never call each other.",
      "^src/incidents/",
      "^src/(access|clerk|github|notify|pacing|senders)/",
    ),
    forbid(
      "notify-apart",
      "Adapters never call each other.",
      "^src/notify/",
      "^src/(access|clerk|github|incidents|pacing|senders)/",
    ),
    forbid(
      "pacing-apart",
      "Adapters never call each other.",
      "^src/pacing/",
      "^src/(access|clerk|github|incidents|notify|senders)/",
    ),
    forbid(
      "senders-apart",
      "Adapters never call each other.",
      "^src/senders/",
      "^src/(access|clerk|github|incidents|notify|pacing)/",
    ),
    forbid(
      "github-apart",
      "Adapters never call each other.",
      "^src/github/",
      "^src/(access|clerk|incidents|notify|pacing|senders)/",
    ),
    forbid(
      "adapters-read-config-types-only",
      "An adapter is given its settings by the wiring; it may name the Config type, never read env itself.",
      `^src/${ADAPTERS}/`,
      "^src/config/",
      true,
    ),
    forbid(
      "use-cases-never-build-adapters",
      "Use cases are handed their adapters by the wiring: they may name adapter types, never construct or call a module of one.",
      "^src/use-cases/",
      `^src/(${ADAPTERS.slice(1, -1)}|config)/`,
      true,
    ),
    forbid(
      "use-cases-below-http",
      "Use cases know nothing of HTTP or the wiring.",
      "^src/use-cases/",
      "^src/(http/|wiring\\.ts|index\\.ts)",
    ),
    forbid(
      "http-calls-use-cases",
      "Routes call the use cases they are handed (c.var.useCases); they name lower types but never build or call adapters.",
      "^src/http/",
      `^src/(${ADAPTERS.slice(1, -1)}|config|use-cases)/`,
      true,
    ),
    forbid(
      "http-never-wires",
      "The app is handed the way to build use cases; it never imports the wiring.",
      "^src/http/",
      "^src/(wiring\\.ts|index\\.ts|queue/)",
    ),
    {
      name: "alerts-never-reach-the-console",
      comment:
        "The alert route answers senders on a deadline: nothing of the operators' console may be on its path (issue 16's budget).",
      severity: "error",
      from: { path: "^src/http/routes/alerts\\.ts$" },
      to: { path: "^src/http/console/", reachable: true },
    },
    forbid(
      "wiring-below-the-edge",
      "The wiring builds use cases; the edges (HTTP, handlers) sit above it.",
      "^src/wiring\\.ts$",
      "^src/(http/|index\\.ts)",
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports are seen too, so the rules can tell them apart from run-time ones.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(node_modules|dist)/" },
  },
};
