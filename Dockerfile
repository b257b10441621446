# The image for web (gunicorn), worker and beat (docker-compose.yml). Configured at run time
# through the environment variables of smepilot/settings.py (.env.example).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# The fonts of the PDF documents (smepilot.pdf): Noto for Latin, Cyrillic and Arabic, and for Chinese.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# The translations, compiled (the .mo files are not in the repository).
RUN for catalogue in locale/*/LC_MESSAGES/django.po; do \
      pybabel compile --domain django --input-file "$catalogue" --output-file "${catalogue%.po}.mo"; \
    done

# Static files are collected into the image (WhiteNoise serves them, hashed). Settings refuse to
# load with DEBUG off and no secret key, so this step gets a throwaway one that nothing signs with.
RUN SECRET_KEY=collectstatic-only-build-key-never-used-to-sign-anything-000 DEBUG=false python manage.py collectstatic --noinput

# Run as an unprivileged user; the code and static files stay owned by root, read-only to it.
RUN useradd --create-home --uid 10001 smepilot
USER smepilot

EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py, from the environment (README, Configuration).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "smepilot.wsgi"]
