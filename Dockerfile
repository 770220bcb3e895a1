# syntax=docker/dockerfile:1
# Multi-stage: dependencies are installed in their own stage; the runtime image runs as the
# unprivileged `node` user. Node 24 runs the TypeScript sources directly (type stripping): no build step.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim AS runtime
# Tesseract reads scanned PDF pages (OCR_LANGUAGES, default kor+eng) in the parsing threads.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json README.md ./
COPY --chown=root:root core ./core
COPY --chown=root:root db ./db
COPY --chown=root:root workers ./workers
COPY --chown=root:root bot ./bot
COPY --chown=root:root admin ./admin
COPY --chown=root:root docs ./docs
# The admin console's static build (vite and svelte are runtime dependencies for this step).
RUN node bot/cli/build-console.ts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bot/main.ts"]
