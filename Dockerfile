# clinic-server for Cloud Run (or any container host). Two stages: the Swift toolchain builds a
# release binary; the runtime is Debian slim with only the libraries that binary loads.
# The container is stateless: DATABASE_URL=postgres://…, STORAGE_URL=gs://…, secrets from the
# environment (or Secret Manager). It listens on $PORT (Cloud Run sets it) as a non-root user.
# No Docker engine runs on our build machines: scripts/container-check.sh runs the same binary
# the way this image does (environment only, nothing writable but the temp folder, non-root).
ARG SWIFT_IMAGE=swift:6.1-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcurl4-openssl-dev libncursesw5-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime and Foundation linked in; libcurl stays a system library.
RUN swift build -c release --product clinic-server --static-swift-stdlib \
    && mkdir -p /app \
    && cp .build/release/clinic-server /app/ \
    && cp -R .build/release/ClinicOSLite_ClinicAPI.resources /app/

FROM debian:bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libcurl4 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin clinic
# The binary and the OpenAPI document it serves (its resource bundle must sit beside it).
COPY --from=build /app /app
USER 10001
ENV HOST=0.0.0.0 PORT=8080 TMPDIR=/tmp LOG_LEVEL=info TRUST_PROXY=1
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS "http://127.0.0.1:${PORT}/healthz" || exit 1
ENTRYPOINT ["/app/clinic-server", "serve"]
