# DigiTeller: one image for the bot and the story workers (README "Scaling out").
#   docker build -t digiteller .
#   bot:    docker run --env-file .env -v digiteller-data:/data digiteller
#   worker: docker run --gpus all --env-file .env -v digiteller-data:/data digiteller python -m engine worker
# The image is built by the project's own setup script, so it holds exactly what a fresh machine gets:
# the Debian packages, the pinned Python packages and the embedded models and art.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/app/.venv/bin:$PATH \
    DATA_DIR=/data \
    DIGITELLER_HOME=/opt/digiteller \
    DATABASE_URL=sqlite+aiosqlite:////data/digiteller.db

WORKDIR /app
COPY . /app
# setup.sh installs its Debian packages with apt-get (and cleans nothing it did not create), so the
# apt lists are removed here, in the same layer. The embedded models and art go to DIGITELLER_HOME
# (/opt/digiteller), not to ~/.cache, which is removed here and is not the runtime user's home anyway.
RUN bash scripts/setup.sh \
    && rm -rf /var/lib/apt/lists/* /root/.cache /root/.npm \
    && useradd --create-home --uid 1000 digiteller \
    && mkdir -p /data \
    && chown -R digiteller /data /app /opt/digiteller

USER 1000:1000
VOLUME ["/data"]
# Webhook mode listens here (set WEBHOOK_HOST=0.0.0.0 and publish the port); polling needs no port.
EXPOSE 8080
# SIGTERM stops the bot within 15 s and a worker after handing its job back (compose waits longer).
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
