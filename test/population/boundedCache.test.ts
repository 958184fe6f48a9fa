import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../src/population/boundedCache.js";

describe("BoundedCache", () => {
  it("keeps at most its capacity, forgetting the least recently used", () => {
    const cache = new BoundedCache<number, string>(3);
    for (let i = 0; i < 3; i++) cache.set(i, `v${i}`);
    expect(cache.get(0)).toBe("v0"); // 0 is now the most recent
    cache.set(3, "v3");
    expect(cache.size).toBe(3);
    expect(cache.get(1)).toBeUndefined();
    expect([0, 2, 3].map((k) => cache.get(k))).toEqual(["v0", "v2", "v3"]);
    for (let i = 0; i < 10_000; i++) cache.set(i, "x");
    expect(cache.size).toBe(3);
  });

  it("capacity 0 keeps nothing", () => {
    const cache = new BoundedCache<string, number>(0);
    cache.set("a", 1);
    expect(cache.get("a")).toBeUndefined();
    expect(() => new BoundedCache(-1)).toThrow(RangeError);
  });
});
