import { describe, expect, it } from "vitest";
import { KeyedQueue } from "../../src/keystore/keyedQueue.js";

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe("KeyedQueue", () => {
  it("runs tasks of one key in order, one at a time, and different keys concurrently", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name}>`);
      await tick();
      log.push(`<${name}`);
      return name;
    };
    const results = await Promise.all([queue.run("a", task("a1")), queue.run("a", task("a2")), queue.run("b", task("b1"))]);
    expect(results).toEqual(["a1", "a2", "b1"]);
    expect(log.indexOf("<a1")).toBeLessThan(log.indexOf("a2>"));
    expect(log.indexOf("b1>")).toBeLessThan(log.indexOf("<a1")); // b did not wait for a
    expect(queue.isIdle("a")).toBe(true);
  });

  it("a failing task does not stop the ones behind it", async () => {
    const queue = new KeyedQueue();
    const failed = queue.run("a", async () => {
      throw new Error("boom");
    });
    const next = queue.run("a", async () => "ok");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ok");
  });

  it("exclusive waits for queued work and holds back work queued after it", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const before = queue.run("a", async () => {
      await tick();
      log.push("before");
    });
    const exclusive = queue.exclusive(async () => {
      expect(queue.isIdle("a")).toBe(false);
      await tick();
      log.push("exclusive");
    });
    const afterSameKey = queue.run("a", async () => log.push("after-a"));
    const afterOtherKey = queue.run("b", async () => log.push("after-b"));
    await Promise.all([before, exclusive, afterSameKey, afterOtherKey]);
    expect(log.slice(0, 2)).toEqual(["before", "exclusive"]);
    expect(log.slice(2).sort()).toEqual(["after-a", "after-b"]);
  });
});
