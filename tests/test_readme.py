"""The README's two commands are what CI and a new user run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bash_blocks(text: str) -> list[str]:
    blocks = text.split("```bash\n")[1:]
    return [b.split("```", 1)[0].strip() for b in blocks]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    install_and_run, test_command = _bash_blocks(readme)[:2]
    assert install_and_run.endswith("agent-tools price BTC ETH")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines
    assert "pytest -W error" in test_command


def test_the_readme_shows_the_chart_call_and_a_chart_this_tool_drew() -> None:
    from PIL import Image

    readme = (ROOT / "README.md").read_text()
    assert "agent-tools history BTC --days 90 --chart btc.png" in readme
    assert "--arg chart=true" in readme
    image = ROOT / "docs" / "img" / "price_history_btc.png"
    assert "](docs/img/price_history_btc.png)" in readme
    with Image.open(image) as png:
        text = dict(png.text)  # type: ignore[attr-defined]
    assert png.format == "PNG" and text["Software"] == "agent-tools" and text["Source"] == "snapshot"
    assert text["Title"].startswith("BTC (bitcoin)") and text["Title"].endswith("stale")
