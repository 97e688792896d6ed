# syntax=docker/dockerfile:1
# One image for every role: ROLE=realtime, ROLE=worker (or all) picks the part; the
# one-shot migration runs `scripts/migrate.ts` from the same image.
#
# Build stage: compilers and -dev packages for the native modules (sqlite3, and
# faiss-node built against Debian's FAISS during npm install), the web build, then
# devDependencies dropped. Runtime stage: Node, the shared libraries those modules
# link against, the app; no compiler, runs as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 make g++ cmake libfaiss-dev libopenblas-dev liblapack-dev patchelf \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY db/package.json db/
COPY core/package.json core/
COPY realtime/package.json realtime/
COPY workers/package.json workers/
COPY web/package.json web/
COPY scripts/build-faiss.mjs scripts/
# npm install, not ci: see .ci/run for why.
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build -w web
# The TypeScript loader is a devDependency: keep it (and its esbuild) across the prune.
RUN mkdir /keep \
 && cp -a node_modules/tsx node_modules/esbuild node_modules/@esbuild /keep/ \
 && npm prune --omit=dev --no-audit --no-fund \
 && cp -a /keep/tsx /keep/esbuild node_modules/ \
 && mkdir -p node_modules/@esbuild && cp -a /keep/@esbuild/. node_modules/@esbuild/ \
 && rm -rf /keep
# node-llama-cpp ships prebuilt binaries for every platform and GPU (~640 MB of CUDA
# and Vulkan builds); the CPU build of this architecture is the one this image uses.
# Build with --build-arg LLAMA_GPU=1 to keep them all.
ARG LLAMA_GPU=0
RUN if [ "$LLAMA_GPU" = "0" ] && [ -d node_modules/@node-llama-cpp ]; then \
      keep="linux-$(node -p process.arch)"; \
      for d in node_modules/@node-llama-cpp/*; do \
        [ "$(basename "$d")" = "$keep" ] || rm -rf "$d"; \
      done; \
    fi \
 && rm -rf web/node_modules/.vite test bench docs \
 && mkdir -p /srv/web

FROM ${NODE_IMAGE} AS runtime
# Shared libraries of the native modules built above (FAISS is linked statically;
# BLAS/LAPACK and OpenMP are not).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0-pthread liblapack3 libgomp1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
COPY --from=build --chown=node:node /app /app
# /srv/web: docker-compose's `assets` one-shot copies the web build there for nginx.
RUN mkdir -p /data /srv/web && chown node:node /data /srv/web
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
# Node receives SIGTERM itself (no npm or shell in between) and drains: see
# README "Run at scale".
CMD ["node", "--import", "tsx", "bin/engunity.ts"]
