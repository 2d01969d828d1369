// What a nats-server's monitoring endpoint (/jsz) says about JetStream, for the
// tools that start servers and need to know who leads what: the test cluster
// (local-nats-cluster.ts), the compose check's cluster trial, the node-loss
// tests. Only the fields they read are typed.

export interface JszStream {
  name: string;
  config?: { num_replicas: number };
  cluster?: { leader?: string; replicas?: Array<{ name: string; current: boolean }> };
  state?: { messages: number };
  consumer_detail?: Array<{ name: string; cluster?: { leader?: string; replicas?: unknown[] } }>;
}

export interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number };
  account_details?: Array<{ stream_detail?: JszStream[] }>;
}

/**
 * GET /jsz on 127.0.0.1:httpPort. With `streams`, every account's streams
 * (with their config and consumers when asked for). Rejects when the server
 * does not answer, or answers other than 200, within 2 s.
 */
export async function readJsz(httpPort: number, detail: { streams?: boolean; consumers?: boolean } = {}): Promise<Jsz> {
  const query = detail.streams
    ? `?accounts=true&streams=true&config=true${detail.consumers ? "&consumers=true" : ""}`
    : "";
  const res = await fetch(`http://127.0.0.1:${httpPort}/jsz${query}`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`/jsz on port ${httpPort} answered ${res.status}`);
  return (await res.json()) as Jsz;
}

/** The streams of every account in a /jsz answer asked with `streams`. */
export function jszStreams(jsz: Jsz): JszStream[] {
  return jsz.account_details?.flatMap((a) => a.stream_detail ?? []) ?? [];
}
