import { describe, expect, it } from "vitest";

import { formatCtaphidSpec, isLoopbackHost, parseCtaphidSpec } from "../../src/serve/ctaphidSpec.js";
import { ReportSplitter } from "../../src/serve/reportStream.js";

describe("parseCtaphidSpec", () => {
  it("parses unix, tcp, udp and uhid, defaulting to 127.0.0.1", () => {
    expect(parseCtaphidSpec("unix:/tmp/key.sock")).toEqual({ transport: "unix", path: "/tmp/key.sock" });
    expect(parseCtaphidSpec("tcp:127.0.0.1:8080")).toEqual({ transport: "tcp", host: "127.0.0.1", port: 8080 });
    expect(parseCtaphidSpec("tcp:0")).toEqual({ transport: "tcp", host: "127.0.0.1", port: 0 });
    expect(parseCtaphidSpec("udp:localhost:9")).toEqual({ transport: "udp", host: "localhost", port: 9 });
    expect(parseCtaphidSpec("tcp:0.0.0.0:1")).toEqual({ transport: "tcp", host: "0.0.0.0", port: 1 });
    expect(parseCtaphidSpec("tcp:[::1]:5")).toEqual({ transport: "tcp", host: "::1", port: 5 });
    expect(parseCtaphidSpec("uhid")).toEqual({ transport: "uhid" });
  });

  it("refuses malformed addresses with one-line messages", () => {
    for (const bad of ["", "unix:", "tcp:", "tcp:host:", "tcp:1:2:3", "tcp:65536", "tcp:-1", "http:1", "udp:a:b"]) {
      expect(() => parseCtaphidSpec(bad), bad).toThrow(/^invalid CTAPHID address "[^\n]*$/);
    }
  });

  it("formats addresses back, IPv6 in brackets", () => {
    expect(formatCtaphidSpec({ transport: "udp", host: "::1", port: 7 })).toBe("udp:[::1]:7");
    expect(formatCtaphidSpec(parseCtaphidSpec("unix:/a b"))).toBe("unix:/a b");
  });

  it("knows loopback hosts", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "::", "192.168.1.1"].some(isLoopbackHost)).toBe(false);
  });
});

describe("ReportSplitter", () => {
  it("cuts a stream read in arbitrary pieces back into 64-byte reports", () => {
    const stream = Uint8Array.from({ length: 64 * 5 }, (_, i) => i & 0xff);
    const splitter = new ReportSplitter();
    const reports: Uint8Array[] = [];
    for (const [from, to] of [[0, 10], [10, 64], [64, 200], [200, 320]] as const) {
      reports.push(...splitter.push(stream.subarray(from, to)));
    }
    expect(reports.length).toBe(5);
    expect(reports.map((r) => r[0])).toEqual([0, 64, 128, 192, 0]);
  });
});
