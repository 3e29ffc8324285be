# One image for every Leadline process: Airflow components (official image + our pinned requirements),
# the standalone intake (Cloud Run) and the sandbox. The intake runs as `python -m leadline.cli intake serve`
# with the image's entrypoint replaced (Cloud Run --command=python, see deploy/deploy.py): it imports no Airflow
# and needs no Airflow database (tests/integration/test_health_probes.py runs it with Airflow unimportable).
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends espeak-ng sox libsox-fmt-mp3 ffmpeg \
 && rm -rf /var/lib/apt/lists/*
USER airflow

COPY --chown=airflow:root requirements.lock /opt/leadline/requirements.lock
RUN pip install --no-cache-dir -r /opt/leadline/requirements.lock

COPY --chown=airflow:root pyproject.toml /opt/leadline/
COPY --chown=airflow:root deploy/composer/pools.yaml /opt/leadline/pools.yaml
COPY --chown=airflow:root plugins /opt/airflow/plugins
# dev tooling (the sandbox service of docker-compose); production code never imports it
COPY --chown=airflow:root devtools /opt/leadline/devtools
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root include /opt/airflow/include
COPY --chown=airflow:root tests/fixtures/calls /opt/leadline/recordings
ENV PYTHONPATH=/opt/airflow/plugins:/opt/leadline/devtools \
    LEADLINE_PROMPTS_DIR=/opt/airflow/include/prompts \
    LEADLINE_SQL_DIR=/opt/airflow/include/sql \
    LEADLINE_HOME=/opt/airflow/leadline
