# Production image: gunicorn serving the portal, static files through whitenoise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=insop_portal.settings.production \
    DJANGO_READ_DOT_ENV_FILE=false

WORKDIR /app
RUN useradd --create-home --uid 10001 portal

COPY pyproject.toml requirements.lock README.md ./
COPY insop_portal ./insop_portal
COPY reference ./reference
COPY thresholds ./thresholds
COPY surveys ./surveys
COPY sops ./sops
RUN pip install -c requirements.lock .

COPY . .
# collectstatic needs a key to import the settings; this throw-away one is never used to serve.
RUN SECRET_KEY=collectstatic-only-$(python -c "import secrets; print(secrets.token_urlsafe(50))") \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R portal /app/media

USER portal
EXPOSE 8000
CMD ["gunicorn", "insop_portal.wsgi:application", "--config", "gunicorn.conf.py"]
