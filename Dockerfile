# syntax=docker/dockerfile:1
# The host and every plugin, as static binaries (CGO_ENABLED=0, see the
# Makefile), on an empty base: the image holds them, CA certificates, an
# unprivileged user and a /tmp for the plugins' sockets, nothing else — no
# shell, no package manager. `nexus healthcheck` is its health check.
#
# The build stage is pinned to an exact Go release (the one go.work names);
# where a registry policy asks for digests, pin it as
# golang:1.26.8-trixie@sha256:<digest from `docker buildx imagetools inspect`>.
# The web app is built by Node (its lockfile pinned) into the host's
# embedded directory, which the Go stage then compiles into the host.
FROM node:20-bookworm-slim AS web
WORKDIR /src
COPY web/package.json web/package-lock.json web/
RUN cd web && npm ci --no-audit --no-fund
COPY web web
RUN mkdir -p host/internal/webui/dist && cd web && npm run build

FROM golang:1.26.8-trixie AS build
WORKDIR /src
# Every module of go.work is built (host, SDK, plugins); the module and
# build caches persist between builds instead of a download layer that
# would have to list each module's go.mod.
COPY . .
COPY --from=web /src/host/internal/webui/dist host/internal/webui/dist
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build make host plugins \
 && mkdir -p /rootfs/app /rootfs/etc/ssl/certs /rootfs/tmp \
 && cp -r bin /rootfs/app/bin \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && echo 'nexus:x:10001:10001:nexus:/app:/sbin/nologin' >/rootfs/etc/passwd \
 && echo 'nexus:x:10001:' >/rootfs/etc/group \
 && chmod 1777 /rootfs/tmp

FROM scratch
COPY --from=build /rootfs/ /
USER 10001:10001
WORKDIR /app
ENV NEXUS_PLUGIN_DIR=/app/bin/plugins
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/app/bin/nexus", "healthcheck"]
ENTRYPOINT ["/app/bin/nexus"]
CMD ["serve"]
