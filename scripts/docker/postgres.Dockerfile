# PostgreSQL for tests (testcontainers) on machines that reach no image registry: Debian's
# postgresql package inside the debootstrap'ed base. The cluster is initialised at build time with
# trust authentication and durability off (a throw-away test server), so a container is ready in
# about a second. Run it with host networking and pick the port: `postgres … -p <port>`.
ARG BASE_IMAGE=galaxy-local/debian:bookworm-minbase
FROM ${BASE_IMAGE}
# No init system runs in a build: keep the package scripts from trying to start the server.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/sbin/policy-rc.d
USER postgres
ENV PGDATA=/var/lib/postgresql/data
RUN /usr/lib/postgresql/15/bin/initdb --username=postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 "$PGDATA" >/dev/null \
 && printf '%s\n' "listen_addresses = '127.0.0.1'" "max_connections = 300" "fsync = off" \
      "synchronous_commit = off" "full_page_writes = off" "unix_socket_directories = '/tmp'" \
      >> "$PGDATA/postgresql.conf"
ENTRYPOINT ["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/data"]
CMD ["-p", "5432"]
