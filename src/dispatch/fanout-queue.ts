import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { defaultTenant, isTenantId } from "../domain/tenant.js";
import type { Database } from "../store/database.js";
import { fanoutChunkStore } from "../store/fanout-chunk-store.js";
import type { Disposition } from "./delivery-worker.js";
import type { DispatchNames } from "./jetstream-setup.js";

/**
 * What a fan-out chunk's message carries: which chunk of which tenant's
 * fan-out to write (the rest is in Postgres). Messages published before
 * tenants carry no tenant: their fan-outs are the default tenant's.
 */
interface ChunkMessage {
  tenantId: string;
  fanoutId: string;
  chunk: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Fan-out chunks on JetStream: the relay hands recorded chunks to the fan-out
 * stream, a few of each fan-out at a time (fanout-chunk-store.ts toPublish), (message id `fanout:<id>:<chunk>`, so a relay that publishes a chunk
 * twice within the duplicate window puts it in once; after it, a second copy
 * is harmless: chunks are idempotent) and marks them published; the handler
 * gives each message to `expand` and acks it, or lets JetStream redeliver it
 * when `expand` throws.
 */
export function createFanoutQueue(options: {
  db: Database;
  js: () => JetStreamClient | null;
  names: DispatchNames;
  expand: (tenantId: string, fanoutId: string, chunk: number) => Promise<void>;
  /** Chunks of one fan-out on JetStream at once (FANOUT_CHUNKS_IN_FLIGHT). */
  perFanout: number;
  /** A chunk still pending this long after it was published is published again. */
  republishAfterMs: number;
}) {
  return {
    /** One relay round: each fan-out's next chunks, up to its share on JetStream; returns how many went. */
    async relayOnce(): Promise<number> {
      const js = options.js();
      if (js === null) return 0;
      const chunks = await fanoutChunkStore.toPublish(options.db, options.perFanout, options.republishAfterMs);
      const byFanout = new Map<string, number[]>();
      await Promise.all(
        chunks.map(async (c) => {
          const body: ChunkMessage = { tenantId: c.tenantId, fanoutId: c.fanoutId, chunk: c.chunk };
          await js.publish(options.names.fanoutChunk, encoder.encode(JSON.stringify(body)), {
            msgID: `fanout:${c.fanoutId}:${c.chunk}`,
            timeout: 5_000,
          });
          byFanout.set(c.fanoutId, [...(byFanout.get(c.fanoutId) ?? []), c.chunk]);
        }),
      );
      for (const [fanoutId, numbers] of byFanout) await fanoutChunkStore.markPublished(options.db, fanoutId, numbers);
      return chunks.length;
    },

    async handle(msg: JsMsg): Promise<Disposition> {
      const message = decodeChunk(msg.data);
      if (message === null) return { term: "not a fan-out chunk message" };
      await options.expand(message.tenantId, message.fanoutId, message.chunk);
      return { ack: true };
    },
  };
}

function decodeChunk(data: Uint8Array): ChunkMessage | null {
  try {
    const value = JSON.parse(decoder.decode(data)) as Partial<ChunkMessage>;
    if (typeof value.fanoutId !== "string" || !Number.isInteger(value.chunk)) return null;
    const tenantId = value.tenantId ?? defaultTenant;
    if (typeof tenantId !== "string" || !isTenantId(tenantId)) return null;
    return { tenantId, fanoutId: value.fanoutId, chunk: value.chunk as number };
  } catch {
    return null;
  }
}
