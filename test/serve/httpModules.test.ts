/** The HTTP service's small modules on their own: addresses, routing, content types, the token. */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatHttpAddress, parseHttpAddress } from "../../src/serve/http/address.js";
import { BearerCheck, generateToken, removeTokenFile, tokenProblem, writeTokenFile } from "../../src/serve/http/auth.js";
import { isJsonContentType } from "../../src/serve/http/body.js";
import { HttpError, toHttpError } from "../../src/serve/http/errors.js";
import { Router } from "../../src/serve/http/router.js";
import { WebAuthnError } from "../../src/client/errors.js";
import { Status } from "../../src/ctap/status.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-http-units-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("HTTP addresses", () => {
  it("parses [HOST:]PORT with 127.0.0.1 as the default host", () => {
    expect(parseHttpAddress("0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseHttpAddress("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(parseHttpAddress("[::1]:443")).toEqual({ host: "::1", port: 443 });
    expect(parseHttpAddress("http:localhost:1")).toEqual({ host: "localhost", port: 1 });
    expect(formatHttpAddress({ host: "::1", port: 5 })).toBe("http:[::1]:5");
  });

  it("refuses what is not one", () => {
    expect(() => parseHttpAddress("http://127.0.0.1:1")).toThrow(/no scheme/);
    expect(() => parseHttpAddress("::1:80")).toThrow(/brackets/);
    expect(() => parseHttpAddress("127.0.0.1:70000")).toThrow(/0\.\.65535/);
    expect(() => parseHttpAddress("")).toThrow(/port/);
  });
});

describe("the router", () => {
  const router = new Router<string>([
    { method: "GET", pattern: "/v1/things", handler: "list" },
    { method: "DELETE", pattern: "/v1/things/:id", handler: "delete" },
    { method: "PUT", pattern: "/v1/things/:id", handler: "put" },
  ]);

  it("matches and decodes parameters", () => {
    expect(router.match("GET", "/v1/things")).toEqual({ handler: "list", params: {} });
    expect(router.match("DELETE", "/v1/things/a%2Db")).toEqual({ handler: "delete", params: { id: "a-b" } });
  });

  it("404 for an unknown path, 405 with every allowed method, 400 for bad percent-encoding", () => {
    const status = (method: string, p: string) => {
      try {
        router.match(method, p);
        return undefined;
      } catch (error) {
        return error as HttpError;
      }
    };
    expect(status("GET", "/v1/things/")?.status).toBe(404);
    expect(status("GET", "/v1")?.status).toBe(404);
    const notAllowed = status("GET", "/v1/things/x")!;
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.extra.headers).toEqual({ allow: "DELETE, PUT" });
    expect(status("DELETE", "/v1/things/%E0%A4%A")?.status).toBe(400);
  });
});

describe("content types", () => {
  it("takes application/json with no charset or UTF-8 only", () => {
    expect(isJsonContentType("application/json")).toBe(true);
    expect(isJsonContentType("application/json; charset=utf-8")).toBe(true);
    expect(isJsonContentType('Application/JSON;charset="UTF-8"')).toBe(true);
    expect(isJsonContentType(undefined)).toBe(false);
    expect(isJsonContentType("text/json")).toBe(false);
    expect(isJsonContentType("application/json; charset=iso-8859-1")).toBe(false);
    expect(isJsonContentType("application/jsonx")).toBe(false);
  });
});

describe("errors", () => {
  it("map WebAuthn errors to their status, keeping the name as the code and the CTAP status", () => {
    const excluded = toHttpError(new WebAuthnError("InvalidStateError", "excluded", { ctapStatus: Status.CTAP2_ERR_CREDENTIAL_EXCLUDED }));
    expect(excluded.status).toBe(409);
    expect(excluded.body).toEqual({ error: { code: "InvalidStateError", message: "excluded", ctapStatus: "CTAP2_ERR_CREDENTIAL_EXCLUDED" } });
    expect(toHttpError(new WebAuthnError("SecurityError", "x")).status).toBe(403);
    expect(toHttpError(new WebAuthnError("NotAllowedError", "x")).status).toBe(422);
    expect(toHttpError(new WebAuthnError("EncodingError", "x")).status).toBe(400);
  });

  it("say nothing about an unexpected error", () => {
    const internal = toHttpError(new Error("ENOENT: /secret/path/to/store"));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.body)).not.toContain("secret");
  });
});

describe("the token", () => {
  it("is 32 random bytes in base64url", () => {
    const token = generateToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(generateToken()).not.toBe(token);
  });

  it("is checked as a bearer token", () => {
    const check = new BearerCheck("correct-horse-battery-staple");
    expect(() => check.authorize("Bearer correct-horse-battery-staple")).not.toThrow();
    expect(() => check.authorize("BEARER  correct-horse-battery-staple")).not.toThrow();
    for (const header of [undefined, "", "Bearer", "Bearer correct-horse-battery-stapl", "Bearer correct-horse-battery-staple2", "Basic correct-horse-battery-staple"]) {
      expect(() => check.authorize(header), String(header)).toThrow(HttpError);
    }
  });

  it("from outside must look like one", () => {
    expect(tokenProblem("0123456789abcdef")).toBeUndefined();
    expect(tokenProblem("short")).toMatch(/at least 16/);
    expect(tokenProblem("has spaces in the middle")).toMatch(/may hold only/);
  });

  it("file is owner-only, exclusive, and replaced only when softkey left it", async () => {
    const file = path.join(tmp, "token");
    const token = generateToken();
    await writeTokenFile(file, token);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toBe(`${token}\n`);
    const next = generateToken();
    await writeTokenFile(file, next); // a leftover of ours: replaced
    expect(await readFile(file, "utf8")).toBe(`${next}\n`);
    await removeTokenFile(file, token); // not this token any more: kept
    expect(await readFile(file, "utf8")).toBe(`${next}\n`);
    await removeTokenFile(file, next);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);

    const other = path.join(tmp, "other");
    await writeFile(other, `${generateToken()}\nmore\n`, { mode: 0o600 });
    await expect(writeTokenFile(other, generateToken())).rejects.toThrow(/already exists; refusing to overwrite/);
  });
});
