/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

import { routePreload } from "./scripts/route-preload";

// `npm run dev` serves the console on :5173 and passes the API's paths to the API on :8000
// (`make run`), so the console talks to the API as it does when the API serves it.
const api = process.env.POMOSHNIK_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  // index.html asks for the page code of its address beside the main bundle (scripts/route-preload.ts).
  plugins: [react(), routePreload({ router: fileURLToPath(new URL("./src/router.tsx", import.meta.url)) })],
  server: {
    proxy: {
      "/api": api,
      "/openapi.json": api,
      "/docs": api,
    },
  },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    // The real limit is the budget on the initial JavaScript (scripts/check-budget.mjs).
    chunkSizeWarningLimit: 1024,
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "scripts/**/*.test.ts"],
    environment: "node",
  },
});
