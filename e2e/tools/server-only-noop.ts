// Replaces the server-only guard in Vitest, where there is no React server build.
export {}
