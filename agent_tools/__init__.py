"""agent-tools: an MCP server of typed crypto research tools."""
