import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

/** `npm run build:web` writes the static page to dist/web, which `kho dev` serves. */
export default defineConfig({
  root: here,
  base: "./",
  // React's automatic JSX runtime through esbuild; no plugin needed.
  esbuild: { jsx: "automatic" },
  build: { outDir: path.join(here, "..", "dist", "web"), emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
