# One image for every Maillage process; the compose/kubernetes command picks the process:
#   python -m services.directory | services.booking | services.clubs | services.notifications
#   python -m gateway
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Install the package (runtime dependencies only, no dev extras), then drop the sources:
# the processes run the installed package, templates included (package-data).
COPY . /tmp/src
RUN pip install /tmp/src \
    && rm -rf /tmp/src \
    && useradd --create-home --uid 10001 --user-group maillage

USER maillage
WORKDIR /home/maillage

# gateway HTTP (+ /metrics); Prometheus ports of directory, booking, clubs, notifications.
EXPOSE 8000 9101 9102 9103 9104

CMD ["python", "-m", "gateway"]
