"""agent-tools: an MCP server of typed crypto research tools."""

__version__ = "0.1.0"
