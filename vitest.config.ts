import { defineConfig } from "vitest/config";

const shared = { testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["{blocks,core,runtime,cli,extension,webview}/**/*.test.{ts,tsx}"], ...shared } },
      { test: { name: "integration", include: ["test/**/*.test.ts", "simulator/**/*.test.ts"], exclude: ["test/vscode/**"], ...shared } },
      // A real VS Code and a browser each: run on their own, after the rest, so they load nothing else.
      { test: { name: "vscode", include: ["test/vscode/**/*.test.ts"], fileParallelism: false, ...shared } },
    ],
  },
});
