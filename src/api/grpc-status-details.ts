import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import { StatusSchema } from "../../gen/ts/google/rpc/status_pb.js";

/**
 * The `grpc-status-details-bin` trailer of a gRPC error: a google.rpc.Status
 * holding the error's code, message and details (RetryInfo, say), which gRPC
 * clients of every language decode. grpc-js sends only code and message of
 * its own; connect-node (Connect, gRPC-Web) encodes this itself. Null when
 * the error has no details.
 */
export function grpcStatusDetailsBin(error: ConnectError): Buffer | null {
  if (error.details.length === 0) return null;
  const details = error.details.map((d) =>
    "desc" in d
      ? anyPack(d.desc, create(d.desc, d.value))
      : { $typeName: "google.protobuf.Any" as const, typeUrl: `type.googleapis.com/${d.type}`, value: d.value },
  );
  const status = create(StatusSchema, { code: error.code, message: error.rawMessage, details });
  const bytes = toBinary(StatusSchema, status);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
