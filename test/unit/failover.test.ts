import { describe, expect, it } from "vitest";
import { readProviders } from "../../src/channels/channel-module.js";
import { createFailover, type Provider, type ProviderCallOutcome } from "../../src/channels/failover.js";
import { createEnvReader } from "../../src/config/env.js";
import { loadConfig } from "../../src/config.js";
import type { DeliveryJob } from "../../src/domain/deliverer.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { rejection } from "../helpers/wait.js";

const job = { address: "a@example.com" } as DeliveryJob;

/** A provider whose next answers a test steers: "ok", "down" (transient), "no" (permanent) or "hang". */
function provider(name: string) {
  const calls: string[] = [];
  let answers: Array<"ok" | "down" | "no" | "hang"> = [];
  let always: "ok" | "down" = "ok";
  const p: Provider = {
    name,
    deliverer: {
      deliver: (_job, signal) => {
        calls.push(name);
        const answer = answers.shift() ?? always;
        if (answer === "ok") return Promise.resolve({ providerMessageId: `${name}-${calls.length}` });
        if (answer === "no") return Promise.reject(new PermanentDeliveryError(`${name} refused the address`));
        if (answer === "down") return Promise.reject(new TransientDeliveryError("connection refused", 2_000));
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
    },
  };
  return {
    p,
    calls,
    next: (...a: typeof answers) => {
      answers = a;
    },
    set: (a: "ok" | "down") => {
      always = a;
    },
  };
}

function setup(count: number, threshold = 2) {
  const ps = Array.from({ length: count }, (_, i) => provider(`p${i + 1}`));
  let clock = 1_000_000;
  const seen: Array<[string, ProviderCallOutcome]> = [];
  const circuits: Array<[string, boolean]> = [];
  const f = createFailover(
    "email",
    ps.map((x) => x.p),
    {
      timeoutMs: 200,
      failureThreshold: threshold,
      cooldownMs: 30_000,
      now: () => clock,
      onCall: (_c, p, outcome) => seen.push([p, outcome]),
      onCircuit: (_c, p, open) => circuits.push([p, open]),
    },
  );
  const send = () => f.deliver(job, new AbortController().signal);
  return { ps, f, send, seen, circuits, advance: (ms: number) => (clock += ms) };
}

describe("provider failover", () => {
  it("tries the next provider within the attempt after a transient failure, and names the one that accepted", async () => {
    const { ps, send } = setup(3);
    ps[0]?.next("down");
    const receipt = await send();
    expect(receipt.provider).toBe("p2");
    expect(ps.map((x) => x.calls.length)).toEqual([1, 1, 0]);
  });

  it("moves on after a provider's own timeout, and says every provider failed when all do", async () => {
    const { ps, send } = setup(2);
    ps[0]?.next("hang");
    expect((await send()).provider).toBe("p2");
    ps[0]?.next("down");
    ps[1]?.next("hang");
    const error = await rejection(send());
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("every provider failed: p1: connection refused; p2: timed out");
    expect((error as TransientDeliveryError).retryAfterMs).toBe(2_000);
    expect((error as TransientDeliveryError).provider).toBe("p2");
  });

  it("stops at a permanent failure: it is about the message, not the provider", async () => {
    const { ps, send, circuits } = setup(2, 1);
    ps[0]?.next("no");
    const error = await rejection(send());
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe("p1: p1 refused the address");
    expect((error as PermanentDeliveryError).provider).toBe("p1");
    expect(ps[1]?.calls).toEqual([]);
    expect(circuits).toEqual([]);
  });

  it("skips a provider that keeps failing for the cool-down, then gives it back its traffic once it answers", async () => {
    const { ps, f, send, seen, circuits, advance } = setup(2, 2);
    ps[0]?.set("down");
    await send();
    await send(); // second failure in a row: open
    expect(circuits).toEqual([["p1", true]]);
    expect(f.circuits().map((c) => [c.provider, c.open])).toEqual([
      ["p1", true],
      ["p2", false],
    ]);
    seen.length = 0;
    for (let i = 0; i < 5; i++) expect((await send()).provider).toBe("p2");
    expect(ps[0]?.calls).toHaveLength(2); // not called while skipped
    expect(seen.filter(([p]) => p === "p1").map(([, o]) => o)).toEqual(Array(5).fill("skipped"));

    advance(30_000); // cool-down over, still down: one try, skipped again at once
    expect((await send()).provider).toBe("p2");
    expect(ps[0]?.calls).toHaveLength(3);
    expect((await send()).provider).toBe("p2");
    expect(ps[0]?.calls).toHaveLength(3);

    ps[0]?.set("ok");
    advance(30_000);
    expect((await send()).provider).toBe("p1");
    expect((await send()).provider).toBe("p1");
    expect(circuits.at(-1)).toEqual(["p1", false]);
    expect(f.circuits().every((c) => !c.open)).toBe(true);
  });

  it("tries every provider anyway when all are skipped, so one provider alone behaves as without failover", async () => {
    const { ps, send } = setup(1, 1);
    ps[0]?.next("down", "down");
    expect(await rejection(send())).toBeInstanceOf(TransientDeliveryError);
    const again = await rejection(send());
    expect(again.message).toBe("connection refused"); // one provider: its own words, unprefixed
    expect(ps[0]?.calls).toHaveLength(2);
    expect((await send()).provider).toBe("p1");
  });

  it("ends with the attempt's own abort (shutdown) without blaming the provider or trying the next", async () => {
    const { ps, f, circuits } = setup(2, 1);
    ps[0]?.next("hang");
    const attempt = new AbortController();
    const pending = f.deliver(job, attempt.signal);
    attempt.abort(new Error("shutting down"));
    expect(await rejection(pending)).toBeInstanceOf(TransientDeliveryError);
    expect(ps[1]?.calls).toEqual([]);
    expect(circuits).toEqual([]);
  });
});

describe("providers in configuration", () => {
  const read = (env: Record<string, string>) => {
    const reader = createEnvReader(env);
    const urls = readProviders(reader, "SMTP_URL", (n) => reader.url(`SMTP_URL${n}`, ["smtp:"]));
    return { urls, problems: reader.problems };
  };

  it("reads the first provider's variables, then the same with _2 ... _5, in that order", () => {
    expect(read({ SMTP_URL: "smtp://a:25", SMTP_URL_3: "smtp://c:25", SMTP_URL_2: "smtp://b:25" }).urls).toEqual([
      "smtp://a:25",
      "smtp://b:25",
      "smtp://c:25",
    ]);
    expect(read({}).urls).toBeNull();
  });

  it("refuses a fallback without a first provider, naming both variables", () => {
    expect(read({ SMTP_URL_2: "smtp://b:25" }).problems).toEqual(["SMTP_URL_2 is set but SMTP_URL is not"]);
  });

  it("checks each account's variables under its own name", () => {
    const env = {
      DATABASE_URL: "postgres://u:p@db:5432/herald",
      NATS_URL: "nats://nats:4222",
      TWILIO_ACCOUNT_SID: "AC1",
      TWILIO_AUTH_TOKEN: "t",
      TWILIO_FROM: "+15550000000",
      TWILIO_ACCOUNT_SID_2: "AC2",
      PROVIDER_FAILURE_THRESHOLD: "0",
    };
    const problems = (() => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as { problems: string[] }).problems;
      }
    })();
    expect(problems.sort()).toEqual([
      'PROVIDER_FAILURE_THRESHOLD must be an integer from 1 to 1000, got "0"',
      "TWILIO_AUTH_TOKEN_2 is required",
      "TWILIO_FROM_2 or TWILIO_MESSAGING_SERVICE_SID_2 is required with TWILIO_ACCOUNT_SID_2",
    ]);
    const ok = loadConfig({
      ...env,
      TWILIO_AUTH_TOKEN_2: "t2",
      TWILIO_FROM_2: "+15550000001",
      PROVIDER_FAILURE_THRESHOLD: "5",
    });
    expect(ok.channels.sms).toMatchObject({
      accounts: [{ accountSid: "AC1" }, { accountSid: "AC2", authToken: "t2" }],
    });
    expect(ok.delivery).toMatchObject({ providerFailureThreshold: 5, providerCooldownMs: 30_000 });
  });
});
