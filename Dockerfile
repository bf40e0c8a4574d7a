FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/bin /app/bin
ENV NEXUS_PLUGIN_DIR=/app/bin/plugins
EXPOSE 8080
ENTRYPOINT ["/app/bin/nexus"]
CMD ["serve"]
