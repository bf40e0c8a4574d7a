import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The build lands in the host's embedded directory (host/internal/webui/dist),
// which `make web` empties first; .keep stays so a clean clone still builds.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "../host/internal/webui/dist",
    emptyOutDir: false,
    target: "es2020",
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: { proxy: { "/api": "http://localhost:8080" } },
});
