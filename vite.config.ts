import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web app: sources in web/, built to web/dist, which `npm start` serves from the API's own origin.
 * In development, `npx vite` proxies /api to a server started with `npm start` (port 8080).
 */
export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The board is the first page; the map, plan and situation pages and the charts load on demand.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { '/api': { target: process.env.HANDOVER_API ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
