import type { EnvReader } from "./env.js";

/** Fan-outs: Sends to topics or to everyone, written in chunks by workers. */
export interface FanoutConfig {
  /**
   * Recipients per chunk, each chunk one Send (FANOUT_CHUNK_SIZE, at most 1,000).
   * 250 by default: a chunk's preparation runs on the event loop, and a chunk
   * of 1,000 held it for up to ~70 ms at p99 against ~20 ms for 250 (30,000
   * members, 8% slower in all), delaying the API's other calls by as much.
   */
  chunkSize: number;
  /** Chunks a planning round records before it commits (FANOUT_CHUNKS_PER_ROUND). */
  chunksPerRound: number;
  /** Chunks each process writes at once (FANOUT_CONCURRENCY); each holds a Postgres connection while it writes. */
  concurrency: number;
  /**
   * Chunks of one fan-out on JetStream at once (FANOUT_CHUNKS_IN_FLIGHT): the
   * others wait in Postgres, so fan-outs running together take turns.
   */
  chunksInFlight: number;
  /** Fan-outs one sender may have planning or running (FANOUTS_IN_FLIGHT_PER_KEY). */
  maxInFlightPerSender: number;
  /** Fan-outs one tenant may have planning or running, over all its senders (FANOUTS_IN_FLIGHT_PER_TENANT). */
  maxInFlightPerTenant: number;
  /** How long a process may hold a chunk before JetStream gives it to another (FANOUT_ACK_WAIT_MS). */
  ackWaitMs: number;
  /** Days a finished fan-out's record is kept for GetFanout (FANOUT_RETENTION_DAYS). */
  retentionDays: number;
}

export function readFanout(env: EnvReader, poolMax: number): FanoutConfig {
  const concurrency = env.int("FANOUT_CONCURRENCY", Math.max(1, Math.min(2, poolMax - 2)), 1, 64);
  if (concurrency >= poolMax) {
    env.problems.push(
      `FANOUT_CONCURRENCY must be below DATABASE_POOL_MAX (${poolMax}), got ${concurrency}: chunks would take every connection`,
    );
  }
  return {
    chunkSize: env.int("FANOUT_CHUNK_SIZE", 250, 1, 1000),
    chunksPerRound: env.int("FANOUT_CHUNKS_PER_ROUND", 20, 1, 1000),
    concurrency,
    chunksInFlight: env.int("FANOUT_CHUNKS_IN_FLIGHT", 8, 1, 10_000),
    maxInFlightPerSender: env.int("FANOUTS_IN_FLIGHT_PER_KEY", 10, 1, 10_000),
    maxInFlightPerTenant: env.int("FANOUTS_IN_FLIGHT_PER_TENANT", 20, 1, 100_000),
    ackWaitMs: env.int("FANOUT_ACK_WAIT_MS", 120_000, 5_000, 3_600_000),
    retentionDays: env.int("FANOUT_RETENTION_DAYS", 7, 1, 3650),
  };
}
