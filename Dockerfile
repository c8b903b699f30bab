# Multi-stage build of the hub.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin passerelle

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /data passerelle \
    && mkdir -p /data && chown passerelle /data
COPY --from=build /src/target/release/passerelle /usr/local/bin/passerelle
USER passerelle
ENV PASSERELLE_DATA_DIR=/data PASSERELLE_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["passerelle"]
CMD ["serve"]
