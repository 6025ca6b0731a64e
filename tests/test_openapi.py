import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_openapi_schema_matches_the_code(tmp_path):
    """Integrators read openapi.yaml; a change to the API must regenerate it:
    .venv/bin/python manage.py spectacular --file openapi.yaml"""
    generated = tmp_path / "openapi.yaml"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--file",
            str(generated),
            "--validate",
            "--fail-on-warn",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert generated.read_text() == (ROOT / "openapi.yaml").read_text()
