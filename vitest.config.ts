import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One Postgres and one nats-server for the whole run, started on 127.0.0.1;
    // each test file gets its own database and NATS subject prefix.
    globalSetup: ["test/helpers/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});
