# BridgeFace image: Node 20 on Debian bookworm with the system ffmpeg (hardware decoders, newer than
# the npm-bundled static build) and the native student runtime (oneDNN, built in the first stage;
# src/runtime/native-chain.ts). The tfjs-node-gpu optional dependency needs CUDA libraries at run time;
# see docs/DEPLOYMENT.md for the GPU image. Without them the runtime falls back to wasm.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libdnnl-dev python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY native ./native
# npm install's postinstall builds native/onednn-chain against the image's own Node headers.
ENV npm_config_nodedir=/usr/local
RUN npm ci --omit=dev --no-audit --no-fund \
 && test -f native/onednn-chain/build/Release/onednn_chain.node

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates libdnnl2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/native/onednn-chain/build ./native/onednn-chain/build
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/bridgeface.mjs"]
CMD ["doctor"]
