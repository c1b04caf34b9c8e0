# botgate in a container: a static binary (no cgo: SQLite is pure Go) on an
# empty image, run as a non-root user, its SQLite database on a volume.
#
#   docker build --build-arg VERSION=1.0.0 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%FT%TZ) -t botgate .
#   docker run -p 127.0.0.1:8080:8080 -v botgate-data:/data -e BOTGATE_ADMIN_TOKEN=… botgate
#
# cmd/botgate/package_test.go builds the binary with this file's `go build`
# line and starts it as the image would.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" -o /out/botgate ./cmd/botgate
RUN mkdir -p /out/data /out/tmp

FROM scratch
# CA certificates, for calling graph.facebook.com and merchants over HTTPS.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/botgate /botgate
COPY --from=build --chown=65532:65532 /out/data /data
# A temporary directory: SQLite spills a sort larger than its cache to a file
# there (deleted as soon as it is opened) instead of holding it in memory.
COPY --from=build --chown=65532:65532 /out/tmp /tmp
USER 65532:65532
ENV BOTGATE_ADDR=0.0.0.0:8080 \
    BOTGATE_DATABASE=/data/botgate.db
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=6s --start-period=15s --retries=3 CMD ["/botgate", "healthcheck"]
ENTRYPOINT ["/botgate"]
CMD ["serve"]
