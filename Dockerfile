# syntax=docker/dockerfile:1
# Tensord in a container: built with the Swift toolchain, run on slim Debian with only the
# shared libraries the binaries load (the Swift runtime is linked statically).
#
#   docker build -t tensord .
#   docker run -p 8080:8080 -v tensord-data:/data -e TENSORD_TOKEN=s3cret tensord
#
# The apt packages match scripts/install-deps.sh (build stage: the -dev packages; runtime
# stage: their runtime libraries); Tests/TensorServiceTests/DockerfileTests.swift checks it.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libopenblas-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so editing the sources does not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# openapi.yaml and the dashboard are SwiftPM resources, looked up next to the executable: the
# *.resources go along.
RUN swift build -c release --static-swift-stdlib --product tensord \
    && swift build -c release --static-swift-stdlib --product tensorctl \
    && mkdir -p /staging \
    && cp .build/release/tensord .build/release/tensorctl /staging/ \
    && cp -R .build/release/*.resources /staging/

FROM debian:bookworm-slim
# libopenblas.so.0 is dlopen'ed by Sources/CBLAS; the pthread variant registers it as the
# libopenblas.so.0 alternative. libjs-chart.js is the dashboard's Chart.js, served from
# /usr/share/javascript/chart.js where the package puts it.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libopenblas0-pthread libcurl4 libsqlite3-0 libpq5 libjs-chart.js \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin tensord \
    && mkdir -p /data \
    && chown tensord:tensord /data
COPY --from=build /staging/ /usr/local/bin/
USER tensord
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["tensorctl", "health", "--server", "http://127.0.0.1:8080"]
# 0.0.0.0 inside the container only: outside, it is reachable where `docker run -p` publishes it.
ENTRYPOINT ["tensord"]
CMD ["--host", "0.0.0.0", "--port", "8080", "--data-dir", "/data"]
