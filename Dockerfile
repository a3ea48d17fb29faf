# syntax=docker/dockerfile:1
# FactorWatch: one image for the collector, the reference IdP, the provider simulator, the
# traffic generator and the console (docker-compose.yml picks the command per service).
# Node: the current LTS line. Build stages install with `npm ci` from the committed lock and
# build the console; the runtime stage runs as the unprivileged `node` user with no
# bind-mounted source or node_modules.

ARG NODE_VERSION=24
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run console:build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY --from=build --chown=node:node /app /app
# chDB and the IdP's development keys write under .data/ (a volume in docker-compose.yml).
RUN mkdir -p /app/.data/demo /app/.data/keys && chown -R node:node /app/.data
USER node
EXPOSE 3000 4318 4320 8080 8090
CMD ["npm", "run", "console"]
