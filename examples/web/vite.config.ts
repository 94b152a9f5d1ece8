import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served on its own port, another origin than the gateway's (4000): the gateway answers it with CORS.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173 },
  preview: { port: 4173 },
});
