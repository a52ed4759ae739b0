# index-operator image: the operator Deployment and every phase Job run this same image.
#   docker build -t index-operator:dev .
#   docker run --rm index-operator:dev --help
# Both stages use the same base image, pinned to an exact Node.js release (24, LTS) and Debian release;
# to pin by digest too, append it to both lines (node:24.21.0-bookworm-slim@sha256:<digest>), as a
# dependency bot does. Same release in both: better-sqlite3 is a native module built for the build
# stage's Node ABI. A test checks both lines are identical and pinned.

# ---- build: dev dependencies, TypeScript compile, native better-sqlite3, then production deps only ----
FROM node:24.21.0-bookworm-slim AS build
# Toolchain for better-sqlite3 when no prebuilt binary matches (node-gyp fallback).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: Node.js, production dependencies, compiled code; no compiler, no npm cache ----
FROM node:24.21.0-bookworm-slim AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="index-operator" \
      org.opencontainers.image.description="Kubernetes operator and CLI that rolls an index catalogue out to a live PostgreSQL or SQLite database without blocking writes." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim"
# Read-only root file system: nothing writes outside /tmp (an emptyDir in the chart) or a mounted volume.
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    NPM_CONFIG_CACHE=/tmp/.npm \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
COPY --chown=0:0 bin ./bin
# Files owned by root and not writable by the runtime user; the process runs as a numeric non-root uid
# so Kubernetes can enforce runAsNonRoot without resolving a user name.
USER 10001:10001
# The operator command's defaults: /metrics on 8080, /healthz and /readyz on 8081.
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/bin/index-operator.js"]
CMD ["--help"]
