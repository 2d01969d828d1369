import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";

/** A service and its implementation: what both RPC stacks (connect-node, grpc-js) are built from. */
export type ServiceEntry = readonly [DescService, Partial<ServiceImpl<DescService>>];

/** Pairs a service with its implementation, checking the implementation against the service. */
export function serviceEntry<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceEntry {
  return [service, impl as Partial<ServiceImpl<DescService>>];
}
