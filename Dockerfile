# index-operator image: the operator Deployment and every phase Job run this same image.
#   docker build -t index-operator:dev .
#   docker run --rm index-operator:dev --help
# Without Docker: `npm run test:image` builds it with buildah and runs the image check (scripts/image/).
#
# Both stages use the same base image, pinned to an exact Node.js release and Debian release; to pin by
# digest too, append it to both lines (node:22.23.5-bookworm-slim@sha256:<digest>), as a dependency bot
# does. Same release in both: better-sqlite3 is a native module built for the build stage's Node ABI. A
# test checks both lines are identical and pinned.
# Why Node.js 22 and not 24: better-sqlite3 12 (the newest line that still runs on Node.js 20, which
# development supports) compiled against Node.js 24.19 or newer aborts at random in the image
# (`RemoveEnvironmentCleanupHook ... (env) != nullptr`: 24.19 added cleanup hooks to node::ObjectWrap).
# Node.js 22's headers do not have them. The README's "Node.js and better-sqlite3 versions" says more.

# ---- build: dev dependencies, TypeScript compile, native better-sqlite3, then production deps only ----
FROM node:22.23.5-bookworm-slim AS build
# Toolchain for compiling better-sqlite3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Set only behind a TLS-intercepting proxy: the path of a CA bundle mounted for the build alone
# (scripts/image/build.sh mounts the host's). This stage is not shipped; the runtime stage has no CA of it.
ARG NODE_EXTRA_CA_CERTS
# better-sqlite3 always compiled here, against this image's own Node.js headers: the binary the image
# check proves, whether or not a prebuilt one could be downloaded.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# Compile, keep production dependencies only, then drop what the native build left behind: object files,
# static libraries, the SQLite amalgamation and C++ sources, and better-sqlite3's test extension. Only
# build/Release/better_sqlite3.node is loaded at run time.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/better_sqlite3.node \
 && rm -rf build deps src binding.gyp \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/better_sqlite3.node \
 && cd /app \
 && find node_modules \( -name '*.o' -o -name '*.a' -o -name obj.target -o -name .deps \) -prune -exec rm -rf {} +

# ---- runtime: Node.js, production dependencies, compiled code; no compiler, no npm cache ----
FROM node:22.23.5-bookworm-slim AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="index-operator" \
      org.opencontainers.image.description="Kubernetes operator and CLI that rolls an index catalogue out to a live PostgreSQL or SQLite database without blocking writes." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:22.23.5-bookworm-slim"
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
