import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// One ES module, dist/index.js, exporting the vertical's pages and widgets
// (the host's UI contract, web/src/vertical.d.ts). It is embedded into the
// plugin binary (plugins/services/ui.go, go:embed); `make web` empties dist
// first and .keep stays, so a clean clone builds the Go code before npm.
export default defineConfig({
  plugins: [preact()],
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2020",
    sourcemap: false,
    minify: true,
    assetsInlineLimit: 0,
    lib: { entry: "src/index.tsx", formats: ["es"], fileName: () => "index.js" },
  },
});
