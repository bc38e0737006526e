import { defineConfig } from "vitest/config";

const shared = { testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["{blocks,core,runtime,cli,extension,webview}/**/*.test.{ts,tsx}"], ...shared } },
      { test: { name: "integration", include: ["test/**/*.test.ts", "simulator/**/*.test.ts"], ...shared } },
    ],
  },
});
