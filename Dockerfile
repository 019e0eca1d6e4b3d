# fieldroute service image: slim Python, non-root, Malta road network prepared at build time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FIELDROUTE_NETWORKS_DIR=/var/lib/fieldroute/networks \
    FIELDROUTE_DATABASE_URL=sqlite:////var/lib/fieldroute/fieldroute.sqlite

WORKDIR /app
RUN useradd --create-home --uid 10001 fieldroute

COPY pyproject.toml README.md ./
COPY solver ./solver
COPY service ./service

# The Malta extract ships inside the package (service/extracts/); prepare it at build time.
RUN pip install . \
 && mkdir -p /var/lib/fieldroute \
 && python -c "from service.commands.serve import ensure_default_network; \
from service.config import get_settings; ensure_default_network(get_settings())" \
 && chown -R fieldroute:fieldroute /var/lib/fieldroute

USER fieldroute
EXPOSE 8000
# Set FIELDROUTE_API_KEYS='["your-key"]' when running; /health needs no key.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"
CMD ["fieldroute", "serve", "--host", "0.0.0.0"]
