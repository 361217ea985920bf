# syntax=docker/dockerfile:1
# The bridge's container image: docs/deployment.md. Three stages: the dependencies, the build
# (`npm run build`: next build with output standalone, then scripts/standalone.mjs), and a small
# runtime with only .next/standalone (the server, its traced node_modules, the static assets and
# the bundled operator commands), run as the unprivileged `node` user.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# better-sqlite3 and @node-rs/argon2 install prebuilt binaries for linux/glibc; the compilers are
# for platforms without one.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
  NEXT_TELEMETRY_DISABLED=1 \
  HOSTNAME=0.0.0.0 \
  PORT=3000 \
  DATABASE_URL=file:/data/bridge.db
# /data holds the SQLite database of a single instance; with PostgreSQL it stays empty.
RUN mkdir -p /data && chown node:node /data
COPY --from=build /app/.next/standalone ./
USER node
EXPOSE 3000
VOLUME ["/data"]
# Liveness without curl (not in the slim image): node's own fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful shutdown (SHUTDOWN_TIMEOUT_SECONDS); give `docker stop -t` more than that.
STOPSIGNAL SIGTERM
# Migrates the database at start; `node commands/db-migrate.cjs` does it as a job of its own.
CMD ["node", "server.js"]
