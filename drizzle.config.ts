import { defineConfig } from 'drizzle-kit'

// `npx drizzle-kit generate` writes SQL migrations that `wrangler d1 migrations apply` runs.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/adapters/d1/schema.ts',
  out: './migrations',
})
