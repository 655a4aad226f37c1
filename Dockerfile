# syntax=docker/dockerfile:1
# agent-tools (the crypto-agent-tools distribution) as a streamable-HTTP MCP server: http://HOST:8000/mcp,
# probes at /healthz and /readyz.
#
#   docker build -t agent-tools .
#   docker run --rm -p 127.0.0.1:8000:8000 -e AGENT_TOOLS_HTTP_TOKEN=change-me agent-tools
#
# Keys and the token come from the environment at run time (-e / --env-file), never from the image.
# One-shot commands work too: docker run --rm agent-tools price BTC ETH

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
# Only what the wheel needs (see .dockerignore): the package, its prompts and the metadata.
COPY pyproject.toml README.md ./
COPY prompts ./prompts
COPY agent_tools ./agent_tools
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim
LABEL org.opencontainers.image.title="crypto-agent-tools" \
      org.opencontainers.image.description="agent-tools: an MCP server of typed crypto research tools (streamable HTTP at /mcp)" \
      org.opencontainers.image.licenses="MIT"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN useradd --system --uid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin agent
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["agent-tools"]
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]
