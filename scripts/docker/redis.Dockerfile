# Redis for tests (testcontainers) on machines that reach no image registry: Debian's
# redis-server inside the debootstrap'ed base, no persistence. Run it with host networking and
# pick the port: `--port <port>`.
ARG BASE_IMAGE=galaxy-local/debian:bookworm-minbase
FROM ${BASE_IMAGE}
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/sbin/policy-rc.d
USER redis
ENTRYPOINT ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
CMD ["--port", "6379"]
