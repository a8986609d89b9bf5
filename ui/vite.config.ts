import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  resolve: {
    alias: {
      $lib: fileURLToPath(new URL('./src/lib', import.meta.url)),
      // The app icon lives once, in the repository's icons/ folder.
      $icons: fileURLToPath(new URL('../icons', import.meta.url)),
    },
  },
  // Tauri shows its own output; keep ours readable beside it.
  clearScreen: false,
  server: { port: 5173, strictPort: true, fs: { allow: ['.', '../icons'] } },
  build: { outDir: 'dist', target: 'es2022' },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test/setup.ts'],
    // Vitest drops styles by default. These components' styles are loaded so tests can check
    // that long words wrap (jsdom computes styles, though it lays nothing out).
    css: { include: [/\/inbox\/Message\.svelte/, /\/members\/MemberProfileView\.svelte/] },
  },
});
