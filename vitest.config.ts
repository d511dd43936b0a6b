import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // the cluster scenarios run apart: npm run test:cluster (vitest.cluster.config.ts)
    exclude: ["tests/cluster/**", "**/node_modules/**"],
    // a test waits for real servers; waits inside tests fail sooner, with a message naming what never happened
    testTimeout: 15_000,
    hookTimeout: 15_000,
    pool: "forks",
    restoreMocks: true,
  },
});
