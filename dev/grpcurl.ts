import { goInstall } from "./go-install.js";
import { cachedTool, type Say } from "./tool-cache.js";

/**
 * grpcurl, a gRPC client that shares nothing with Herald: it learns the API
 * from server reflection alone. The tests use it, and `npm run grpcurl -- ...`
 * runs it. No package registry ships it prebuilt, so it is compiled once into
 * the tool cache.
 */
export const grpcurlModule = "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3";

export function ensureGrpcurl(say?: Say): Promise<string> {
  return cachedTool({
    name: "grpcurl",
    version: grpcurlModule.split("@")[1] as string,
    executable: "grpcurl",
    ...(say !== undefined && { say }),
    async install(dir, say) {
      say(`first run: compiling grpcurl with go install (${grpcurlModule}), about 2 min`);
      await goInstall(dir, grpcurlModule);
    },
  });
}
