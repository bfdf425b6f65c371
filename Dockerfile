# BridgeFace image: Node 20 on Debian bookworm with the system ffmpeg (hardware decoders, newer than
# the npm-bundled static build). The tfjs-node-gpu optional dependency needs CUDA libraries at run time;
# see docs/DEPLOYMENT.md for the GPU image. Without them the runtime falls back to wasm.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/bridgeface.mjs"]
CMD ["doctor"]
