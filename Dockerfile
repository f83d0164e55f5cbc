# One image recipe for the four services and the console: docker build --build-arg SERVICE=needs .
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

FROM base AS build
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN python -m venv /venv && /venv/bin/pip install --no-compile .

FROM base
ARG SERVICE
ENV SERVICE=${SERVICE} PATH=/venv/bin:$PATH HTTP_HOST=0.0.0.0
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=needs|training|evaluation|notifications|console" && exit 1) \
    && useradd --system --uid 10001 --no-create-home app
COPY --from=build /venv /venv
COPY scripts ./scripts
USER app
EXPOSE 8000 8001 8002 8003 8004
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"HTTP_PORT\"]}/health/ready', timeout=2)"
# exec form via sh so the port comes from the environment and uvicorn receives SIGTERM directly
CMD ["sh", "-c", "exec uvicorn services.${SERVICE}.main:create_app --factory --host 0.0.0.0 --port ${HTTP_PORT}"]
