import { type DescFile, type DescService, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponseSchema,
  ServerReflection as ServerReflectionV1,
} from "../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../gen/ts/grpc/reflection/v1alpha/reflection_pb.js";
import { type ServiceEntry, serviceEntry } from "./service-entry.js";

type Reply = MessageInitShape<typeof ServerReflectionResponseSchema>;

/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha), so grpcurl, buf curl
 * and Postman discover the services without proto files. Answers from the
 * descriptors embedded in the generated code; every file comes with all it
 * imports, so a client never has to ask twice.
 */
export function reflectionServices(services: DescService[]): ServiceEntry[] {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const add = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const dep of file.dependencies) add(dep);
    for (const m of file.messages) addMessage(file, m);
    for (const e of file.enums) symbols.set(e.typeName, file);
    for (const x of file.extensions) addExtension(file, x);
    for (const s of file.services) {
      symbols.set(s.typeName, file);
      for (const method of s.methods) symbols.set(`${s.typeName}.${method.name}`, file);
    }
  };
  const addMessage = (file: DescFile, m: DescFile["messages"][number]) => {
    symbols.set(m.typeName, file);
    for (const n of m.nestedMessages) addMessage(file, n);
    for (const e of m.nestedEnums) symbols.set(e.typeName, file);
    for (const x of m.nestedExtensions) addExtension(file, x);
  };
  const addExtension = (file: DescFile, x: DescFile["extensions"][number]) => {
    symbols.set(x.typeName, file);
    const byNumber = extensions.get(x.extendee.typeName) ?? new Map<number, DescFile>();
    byNumber.set(x.number, file);
    extensions.set(x.extendee.typeName, byNumber);
  };
  const all = [...services, ServerReflectionV1, ServerReflectionV1Alpha];
  for (const s of all) add(s.file);
  const serviceNames = all.map((s) => s.typeName);

  const withImports = (file: DescFile): Uint8Array[] => {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (f: DescFile) => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      for (const dep of f.dependencies) visit(dep);
    };
    visit(file);
    return out;
  };
  const notFound = (req: ServerReflectionRequest, what: string): Reply => ({
    validHost: req.host,
    originalRequest: req,
    messageResponse: { case: "errorResponse", value: { errorCode: 5, errorMessage: `${what} not found` } },
  });
  const filesReply = (req: ServerReflectionRequest, file: DescFile | undefined, what: string): Reply =>
    file === undefined
      ? notFound(req, what)
      : {
          validHost: req.host,
          originalRequest: req,
          messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: withImports(file) } },
        };

  const answer = (req: ServerReflectionRequest): Reply => {
    const r = req.messageRequest;
    switch (r.case) {
      case "listServices":
        return {
          validHost: req.host,
          originalRequest: req,
          messageResponse: { case: "listServicesResponse", value: { service: serviceNames.map((name) => ({ name })) } },
        };
      case "fileByFilename":
        return filesReply(req, files.get(r.value), `file ${r.value}`);
      case "fileContainingSymbol":
        return filesReply(req, symbols.get(r.value.replace(/^\./, "")), `symbol ${r.value}`);
      case "fileContainingExtension":
        return filesReply(
          req,
          extensions.get(r.value.containingType)?.get(r.value.extensionNumber),
          `extension ${r.value.extensionNumber} of ${r.value.containingType}`,
        );
      case "allExtensionNumbersOfType": {
        const numbers = extensions.get(r.value);
        if (numbers === undefined && !symbols.has(r.value)) return notFound(req, `type ${r.value}`);
        return {
          validHost: req.host,
          originalRequest: req,
          messageResponse: {
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: r.value, extensionNumber: [...(numbers?.keys() ?? [])] },
          },
        };
      }
      default:
        return {
          validHost: req.host,
          originalRequest: req,
          messageResponse: { case: "errorResponse", value: { errorCode: 3, errorMessage: "unknown request" } },
        };
    }
  };

  return [
    serviceEntry(ServerReflectionV1, {
      async *serverReflectionInfo(requests) {
        for await (const req of requests) yield answer(req);
      },
    }),
    serviceEntry(ServerReflectionV1Alpha, {
      async *serverReflectionInfo(requests) {
        // v1alpha's messages have the same fields and numbers as v1's.
        for await (const req of requests) yield answer(req as unknown as ServerReflectionRequest) as never;
      },
    }),
  ];
}
