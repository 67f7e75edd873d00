import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The build goes to dist/app, embedded by embed.go; dist/placeholder stays committed.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist/app', emptyOutDir: true, assetsDir: 'assets', sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/-/session': 'http://127.0.0.1:8080' } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
