import { describe, expect, it } from "vitest";
import { DEFAULT_PORTS } from "../dev/local-stack.ts";
import { alertUrl, resolveTarget } from "./alert-target.ts";

describe("alertUrl", () => {
  it("appends the sender's route to a base URL, with or without a path prefix", () => {
    expect(alertUrl("http://127.0.0.1:8787", "github").href).toBe("http://127.0.0.1:8787/v1/alerts/github");
    expect(alertUrl("https://w.example.dev/", "gitlab").href).toBe("https://w.example.dev/v1/alerts/gitlab");
    expect(alertUrl("https://x.example/autorevoke/", "generic").href).toBe(
      "https://x.example/autorevoke/v1/alerts/generic",
    );
  });

  it("keeps a full alert URL as given", () => {
    expect(alertUrl("https://w.example.dev/v1/alerts/depsdev", "github").href).toBe(
      "https://w.example.dev/v1/alerts/depsdev",
    );
  });
});

describe("where the alert goes", () => {
  const stack = { url: "http://127.0.0.1:9001", clerk_url: "http://127.0.0.1:9002", pid: 1234 };

  it("goes to the running npm start, and asks its Clerk stand-in", () => {
    const target = resolveTarget({ sender: "github" }, stack, undefined);
    expect(target.url.href).toBe("http://127.0.0.1:9001/v1/alerts/github");
    expect(target.standinUrl).toBe(stack.clerk_url);
  });

  it("goes to --target when given, and asks no stand-in about another host", () => {
    const target = resolveTarget({ sender: "gitlab", target: "https://w.example.dev" }, stack, undefined);
    expect(target.url.href).toBe("https://w.example.dev/v1/alerts/gitlab");
    expect(target.standinUrl).toBe("");
  });

  it("asks the stand-in named by --clerk-standin, or none for an empty one", () => {
    expect(
      resolveTarget({ sender: "github", "clerk-standin": "http://127.0.0.1:7" }, stack, "1").standinUrl,
    ).toBe("http://127.0.0.1:7");
    expect(resolveTarget({ sender: "github", "clerk-standin": "" }, stack, undefined).standinUrl).toBe("");
  });

  it("goes to $PORT, or the default port, on 127.0.0.1 when no stack is running", () => {
    expect(resolveTarget({ sender: "github" }, undefined, "8799").url.href).toBe(
      "http://127.0.0.1:8799/v1/alerts/github",
    );
    expect(resolveTarget({ sender: "github" }, undefined, undefined).url.href).toBe(
      `http://127.0.0.1:${DEFAULT_PORTS.worker}/v1/alerts/github`,
    );
    expect(resolveTarget({ sender: "github" }, undefined, undefined).standinUrl).toBe("");
  });
});
