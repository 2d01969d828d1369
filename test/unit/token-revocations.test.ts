import { afterEach, describe, expect, it } from "vitest";
import { announcement, createTokenRevocations, type TokenRevocations } from "../../src/auth/token-revocations.js";
import { createLogger } from "../../src/telemetry/logger.js";

const started: TokenRevocations[] = [];
afterEach(() => {
  for (const r of started.splice(0)) r.stop();
});

function start(rows: Array<{ userId: string; before: Date }> = []) {
  const ended: string[] = [];
  const announced: string[] = [];
  const revocations = createTokenRevocations({
    load: async () => rows,
    refreshMs: 60_000,
    maxTtlMs: 86_400_000,
    announce: (userId, before) => announced.push(announcement(userId, before)),
    onRevoked: (userId) => ended.push(userId),
    logger: createLogger("silent"),
  });
  started.push(revocations);
  return { revocations, ended, announced };
}

describe("user token revocations", () => {
  it("refuse tokens issued before the revocation, and in its second", async () => {
    const { revocations: r } = start([{ userId: "a", before: new Date(100_400) }]);
    await r.ready;
    expect(r.isRevoked("a", 99)).toBe(true);
    expect(r.isRevoked("a", 100)).toBe(true);
    expect(r.isRevoked("a", 101)).toBe(false);
    expect(r.isRevoked("b", 99)).toBe(false);
  });

  it("a revocation made here is applied, ends streams and is announced; one heard from elsewhere too", async () => {
    const { revocations: r, ended, announced } = start();
    await r.ready;
    r.revoked("a", new Date(5_000));
    expect(r.isRevoked("a", 4)).toBe(true);
    expect(ended).toEqual(["a"]);
    const listener = start();
    await listener.revocations.ready;
    listener.revocations.heard(announced[0] as string);
    expect(listener.revocations.isRevoked("a", 5)).toBe(true);
    expect(listener.ended).toEqual(["a"]);
    // An older announcement never moves a revocation earlier; nonsense is ignored.
    listener.revocations.heard(announcement("a", new Date(1_000)));
    listener.revocations.heard("{not json");
    listener.revocations.heard(JSON.stringify({ userId: 5, before: "x" }));
    expect(listener.revocations.isRevoked("a", 5)).toBe(true);
    expect(listener.ended).toEqual(["a"]);
  });
});
