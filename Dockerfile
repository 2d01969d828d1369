# Herald's image. `deps` installs the production dependencies only, `build`
# compiles the TypeScript with the dev dependencies, and the final stage holds
# dist/, bin/ and the production node_modules, owned by root and run as the
# unprivileged `node` user. No install scripts run: nothing Herald uses at run
# time needs one.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gen/ts ./gen/ts
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The operator console (CONSOLE_ENABLED=true) is bundled from its sources, with
# esbuild, when Herald starts.
COPY tsconfig.json ./
COPY web/tsconfig.json ./web/
COPY web/console/src ./web/console/src
COPY gen/ts ./gen/ts
USER node
# 8080: gRPC, gRPC-Web, Connect, /healthz and /readyz. 9464: Prometheus /metrics.
EXPOSE 8080 9464
# Healthy while Postgres and NATS are reachable. The image has no curl; Node's
# fetch asks /readyz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz',{signal:AbortSignal.timeout(3000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/herald.mjs"]
CMD ["serve"]
