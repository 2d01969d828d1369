import type { ConnectError } from "@connectrpc/connect";
import { createContextKey, type Interceptor } from "@connectrpc/connect";

/**
 * A request the server edge could not take as it came (a body that does not
 * decode, is too large, or arrived too slowly). The edge hands the RPC stack a
 * valid empty message instead and records the reason here, so the call still
 * runs the interceptors: the caller is authenticated first, the error reaches
 * the caller in the protocol it speaks, and it is counted and traced like any
 * other failed call.
 */
export const edgeErrorKey = createContextKey<ConnectError | null>(null, {
  description: "request rejected at the edge",
});

/** Fails a call the edge rejected. Runs right after authentication. */
export function edgeErrorInterceptor(): Interceptor {
  return (next) => async (req) => {
    const rejected = req.contextValues.get(edgeErrorKey);
    if (rejected !== null) throw rejected;
    return next(req);
  };
}
