# One image for every role: ROLE=realtime or ROLE=worker picks the part.
# cmake + libfaiss-dev (with BLAS/LAPACK, patchelf): npm install builds faiss-node against them
# (scripts/build-faiss.mjs); without them retrieval falls back to exact in-process search.
FROM node:20-bookworm-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ cmake libfaiss-dev libopenblas-dev liblapack-dev patchelf && rm -rf /var/lib/apt/lists/*
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
ENV NODE_ENV=production
EXPOSE 3000
CMD ["npx", "tsx", "bin/engunity.ts"]
