# syntax=docker/dockerfile:1
# One image for every Iris service. Which one runs is chosen by IRIS_SERVICE (gateway, identity,
# profiles, devices, analytics or worker): set at build time with `--build-arg SERVICE=identity`, or at
# run time with `-e IRIS_SERVICE=identity`, or by passing a package script as the command
# (`docker run iris pnpm start:identity`). Each service reads the rest of its configuration from the
# environment and names any variable it is missing before it exits (server/src/requirements.ts).
#
#   docker build -t iris .
#   docker compose up          # PostgreSQL, Redis, the gateway, four subgraphs and the analysis worker

ARG NODE_VERSION=20.19
ARG PNPM_VERSION=12.21.0

# --- build: every dependency installed from the lockfile, Prisma client and resolver types generated ---
FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG PNPM_VERSION
RUN npm install --global pnpm@${PNPM_VERSION}
WORKDIR /app
# The manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY gateway/package.json gateway/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/testkit/package.json packages/testkit/
COPY server/package.json server/
COPY subgraphs/identity/package.json subgraphs/identity/
COPY subgraphs/profiles/package.json subgraphs/profiles/
COPY subgraphs/devices/package.json subgraphs/devices/
COPY subgraphs/analytics/package.json subgraphs/analytics/
COPY examples/client/package.json examples/client/
COPY examples/web/package.json examples/web/
RUN pnpm install --frozen-lockfile --ignore-scripts
COPY . .
# `generate` (the postinstall step, skipped above before the sources were here): Prisma client and codegen types.
RUN pnpm run generate

# --- runtime: the built tree, run by an unprivileged user ---
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG PNPM_VERSION
ARG SERVICE=gateway
RUN npm install --global pnpm@${PNPM_VERSION} \
  && apt-get update && apt-get install --yes --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app /app
# Captures are kept under IRIS_DATA_DIR: mount a volume shared by devices, analytics and the worker.
RUN mkdir -p /data && chown node:node /data
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    IRIS_DATA_DIR=/data \
    IRIS_SERVICE=${SERVICE} \
    npm_config_update_notifier=false
USER node
# gateway, identity, profiles, devices, analytics, and the worker's health port.
EXPOSE 4000 4001 4002 4003 4004 4005
# /healthz on the port of the service this container runs (deploy/healthcheck.mjs).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "deploy/healthcheck.mjs"]
# tini forwards SIGTERM (graceful shutdown: requests and analyses in flight finish) and reaps children.
ENTRYPOINT ["tini", "--"]
CMD ["sh", "-c", "exec pnpm --silent run start:${IRIS_SERVICE}"]
