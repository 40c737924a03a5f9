# Pathways API image: non-root, migrates then serves against DATABASE_URL.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The locked versions, hashes checked (`make lock` writes requirements.txt), in a layer of their own.
COPY requirements.txt ./
RUN pip install --require-hashes --no-deps -r requirements.txt
COPY pyproject.toml README.md ./
COPY api ./api
COPY migrations ./migrations
# Editable install keeps api/ beside migrations/, where the migration runner looks for them. PYTHONDONTWRITEBYTECODE
# stops Python writing bytecode at run time (the non-root user could not anyway), so it is compiled here: every
# start and every worker would otherwise compile the service's modules again.
RUN pip install --no-deps -e . && python -m compileall -q api migrations \
    && useradd --system --uid 10001 --home /app pathways

USER pathways
ENV PATHWAYS_HOST=0.0.0.0 PATHWAYS_PORT=8000 PATHWAYS_ENVIRONMENT=production PATHWAYS_GRAPHIQL=false \
    PATHWAYS_MIGRATE_ON_START=false
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
# DATABASE_URL must be set: the image never starts an embedded database.
CMD ["sh", "-c", "test -n \"$DATABASE_URL\" || { echo 'DATABASE_URL is required' >&2; exit 1; }; pathways migrate && exec pathways serve"]
