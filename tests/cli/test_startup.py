"""`medpages --help` stays quick: it loads none of the heavy libraries the commands use.

Counted by the modules loaded, not by a clock, so the test holds on any machine.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Each of these costs 10 to 170 ms to import; `--help` needs none of them.
HEAVY = ("pydantic", "sqlalchemy", "jinja2", "httpx", "rich", "markdown_it", "pygments", "textstat", "pyphen",
         "medpages.model", "medpages.store", "medpages.stages")

_HELP_THEN_LIST_MODULES = """
import json, sys
import medpages.cli
sys.argv = ["medpages", *sys.argv[1:]]
try:
    medpages.cli.main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_after(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", _HELP_THEN_LIST_MODULES, *args], capture_output=True,
                            text=True, timeout=60)
    modules = json.loads(result.stderr.strip().splitlines()[-1])
    return [m for m in modules if m in HEAVY or m.startswith(tuple(f"{name}." for name in HEAVY))]


def test_help_loads_no_heavy_library():
    assert loaded_after("--help") == []


def test_a_command_help_loads_none_of_the_commands_libraries():
    # typer itself checks a command's options with pydantic; our models, database and network stay out.
    assert [m for m in loaded_after("generate", "--help") if not m.startswith("pydantic")] == []


def test_importing_errors_does_not_build_the_content_model():
    code = "import medpages.errors, sys; print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'medpages.model'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_public_names_still_load_on_first_use():
    import medpages

    assert medpages.Page.__name__ == "Page"
    assert callable(medpages.parse_seed_markdown)
    assert set(medpages.__all__) <= set(dir(medpages))
