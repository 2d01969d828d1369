import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from "../domain/errors.js";
import type { EventItem, EventLogHead, EventType } from "../domain/event.js";
import { type Principal, Scope } from "../domain/principal.js";
import type { EventWake } from "../feed/event-stream.js";
import type { EventPage } from "../store/event-log.js";
import { requireScope } from "./access.js";

export interface WatchEventsDeps {
  log: {
    head(): Promise<EventLogHead>;
    after(tenantId: string, after: number, limit: number, types: readonly EventType[] | null): Promise<EventPage>;
  };
  wake: EventWake;
  /** Whether a tenant exists (a super_admin key may name any). */
  tenantExists: (tenantId: string) => boolean;
  /** Idle streams get a heartbeat this often; each tick also reads the log, in case a wake-up was lost. */
  heartbeatMs: number;
  /** Events per read. */
  pageSize: number;
}

export interface WatchEventsInput {
  /** Resume after this position; null: from the head, or the oldest kept with `fromOldest`. */
  cursor: number | null;
  fromOldest: boolean;
  /** Empty: every type. */
  types: readonly EventType[];
  /** Empty: the caller's tenant. */
  tenantId: string;
}

/** A catch-up that failed this many times in a row ends the stream (the client resumes from its cursor). */
const maxFailedCatchUps = 3;

/**
 * WatchEvents: a tenant's event log as an async stream. It listens for
 * wake-ups first, reads the head, replays every page after the cursor, sends
 * `synced`, then reads again at each wake-up and heartbeat tick. Each read
 * returns the tenant's numbered events after `last` with the head of the same
 * snapshot, and `last` moves to the last event sent or to that head: since
 * seqs are given in commit order with no gap and a snapshot sees a prefix of
 * them, nothing before `last` can appear later, so no event is sent twice or
 * skipped, on this process or any other resuming from a cursor.
 */
export function createWatchEvents(deps: WatchEventsDeps) {
  return async function* watchEvents(
    principal: Principal,
    input: WatchEventsInput,
    signal: AbortSignal,
  ): AsyncGenerator<EventItem> {
    const tenantId = tenantOf(principal, input.tenantId, deps.tenantExists);
    if (input.cursor !== null && input.fromOldest) {
      throw new InvalidArgumentError("from_oldest", "cannot be set together with cursor");
    }
    const release = deps.wake.admit(tenantId);
    let pending = true;
    let resolveWait: (() => void) | null = null;
    const wakeUp = () => {
      pending = true;
      resolveWait?.();
    };
    const stopListening = deps.wake.listen(wakeUp);
    signal.addEventListener("abort", wakeUp, { once: true });
    const types = input.types.length === 0 ? null : input.types;
    try {
      const head = await deps.log.head();
      if (input.cursor !== null && input.cursor > head.seq) {
        throw new InvalidArgumentError("cursor", "is ahead of this event log; was it taken from another deployment?");
      }
      let last = input.cursor ?? (input.fromOldest ? head.prunedThrough : head.seq);
      let reset = false;

      /** Sends every event after `last` up to the head; jumps to the oldest kept if retention passed `last`. */
      async function* catchUp(): AsyncGenerator<EventItem> {
        for (;;) {
          const page = await deps.log.after(tenantId, last, deps.pageSize, types);
          if (page.head.prunedThrough > last) {
            reset = true;
            last = page.head.prunedThrough;
            continue;
          }
          for (const event of page.events) yield { kind: "event", event };
          last = page.lastSeq;
          if (!page.more || signal.aborted) return;
        }
      }

      pending = false;
      yield* catchUp();
      yield { kind: "synced", seq: last, reset, time: new Date() };
      reset = false;

      let failures = 0;
      let nextBeat = Date.now() + deps.heartbeatMs;
      while (!signal.aborted) {
        if (!pending) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            resolveWait = resolve;
            timer = setTimeout(resolve, Math.max(0, nextBeat - Date.now()));
          });
          clearTimeout(timer);
          resolveWait = null;
        }
        if (signal.aborted) return;
        pending = false;
        try {
          yield* catchUp();
          failures = 0;
        } catch (error) {
          if (signal.aborted || ++failures >= maxFailedCatchUps) throw error;
        }
        if (reset) {
          // The stream fell behind retention: say so, as a resume would.
          yield { kind: "synced", seq: last, reset, time: new Date() };
          reset = false;
        }
        if (Date.now() >= nextBeat) {
          yield { kind: "heartbeat", seq: last, time: new Date() };
          nextBeat = Date.now() + deps.heartbeatMs;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      signal.removeEventListener("abort", wakeUp);
      stopListening();
      release();
    }
  };
}

/** The tenant whose events a caller may watch: its own (`read`), or any with `super_admin`. */
function tenantOf(principal: Principal, requested: string, exists: (tenantId: string) => boolean): string {
  if (requested === "" || requested === principal.tenantId) {
    requireScope(principal, Scope.read, "watch events");
    return principal.tenantId;
  }
  if (principal.kind === "user" || !principal.scopes.includes(Scope.superAdmin)) {
    throw new PermissionDeniedError('watching another tenant\'s events needs the "super_admin" scope');
  }
  if (!exists(requested)) throw new NotFoundError(`tenant "${requested}" does not exist`);
  return requested;
}

export type WatchEvents = ReturnType<typeof createWatchEvents>;
