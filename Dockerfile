# Pomoshnik: the API and the worker share this image (docker-compose.yml runs both).
FROM python:3.11-slim-bookworm AS build
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/app/.venv
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY alembic ./alembic
COPY alembic.ini ./
RUN uv sync --frozen --no-dev \
 && mkdir -p /app/var/storage

FROM python:3.11-slim-bookworm
# WeasyPrint needs Pango and HarfBuzz (with subsetting); DejaVu covers Cyrillic.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin pomoshnik
WORKDIR /app
COPY --from=build --chown=pomoshnik:pomoshnik /app /app
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 APP_LOG_JSON=true
USER pomoshnik
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["pomoshnik", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
