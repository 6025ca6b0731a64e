FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=aftersales.settings
# WeasyPrint needs Pango; Chinese PDFs need a CJK font; compilemessages needs gettext.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-cjk gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt ./
# The project installs only its runtime dependencies, pinned by constraints.txt.
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
RUN python manage.py compilemessages --ignore=.venv -v0 \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput -v0

RUN useradd --create-home app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "aftersales.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
