# The crm-graph package (CLI and API); the database runs in its own container.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY cypher ./cypher
COPY loaders ./loaders
RUN pip install --no-cache-dir . && useradd --create-home crm
USER crm
ENTRYPOINT []
CMD ["crm-graph", "--help"]
