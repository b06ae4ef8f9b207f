# Stand-in for the official node:<major>-bookworm-slim image, for machines that reach no image
# registry: a debootstrap'ed Debian bookworm (minbase) plus the machine's own Node.js, npm and
# corepack, and the "node" user (uid/gid 1000) the official image has. Built by
# scripts/ensure-docker.sh, which prepares the context (node binary + node_modules/).
ARG BASE_IMAGE=galaxy-local/debian:bookworm-minbase
FROM ${BASE_IMAGE}
ARG NODE_VERSION
LABEL org.galaxy.node-version=${NODE_VERSION}
COPY node /usr/local/bin/node
COPY node_modules/ /usr/local/lib/node_modules/
RUN ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version
CMD ["node"]
