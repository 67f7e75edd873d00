import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The build goes to dist/app, embedded by embed.go; dist/placeholder stays committed.
export default defineConfig({
  plugins: [react()],
  // The GraphQL explorer (GraphiQL) is one lazily loaded chunk of about 750 kB, loaded
  // only on its page; the app's own bundle stays small.
  build: { outDir: 'dist/app', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/-/session': 'http://127.0.0.1:8080' } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
