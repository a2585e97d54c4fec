"""The deployment files in packaging/ agree with the code they deploy.

No container runtime or systemd is at hand here, so: the .env template is checked against
the Settings class (every setting, its real default, nothing unknown), the Dockerfile and
the systemd unit against the files and paths they name, and both through their linters
(hadolint, `systemd-analyze verify`) and the workflow through actionlint, when those are
installed (the test extras install hadolint and actionlint). The Dockerfile's install and
start steps themselves run in CI: packaging/check-deployment.sh.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import AliasChoices, SecretStr

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
TEMPLATE = PACKAGING / "env.template"
DOCKERFILE = PACKAGING / "Dockerfile"
UNIT = PACKAGING / "pressroom.service"
WORKFLOW = ROOT / ".github" / "workflows" / "bundle.yml"
INSTALL_PREFIX = "/opt/pressroom/venv"
# settings whose default depends on the machine: shown commented out (#NAME=)
MACHINE_DEFAULTS = {"data_dir"}

ASSIGNMENT = re.compile(r"^(#?)([A-Z][A-Z0-9_]*)=(.*)$")


def env_names(field: str) -> list[str]:
    """The variables that set a field; the first is the one an operator is shown."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [f"PRESSROOM_{field.upper()}"]


def template_lines() -> list[str]:
    return TEMPLATE.read_text().splitlines()


def template_settings() -> dict[str, tuple[str, bool, int]]:
    """NAME -> (value, set?, line index) for every setting line of the template."""
    found: dict[str, tuple[str, bool, int]] = {}
    for index, line in enumerate(template_lines()):
        match = ASSIGNMENT.match(line)
        if match:
            commented, name, value = match.groups()
            assert name not in found, f"env.template: {name} appears twice"
            found[name] = (value, not commented, index)
    return found


def shown_default(field: str) -> str:
    default = Settings.model_fields[field].get_default(call_default_factory=True)
    if default is None:
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    return str(default)


def test_env_template_lists_every_setting_once_and_nothing_else() -> None:
    shown = template_settings()
    expected = {env_names(field)[0]: field for field in Settings.model_fields}
    missing = [
        f"{name}={shown_default(field)}" for name, field in expected.items() if name not in shown
    ]
    unknown = sorted(set(shown) - set(expected))
    assert not missing, f"add these settings (with a comment line above) to env.template: {missing}"
    assert not unknown, f"env.template names variables no setting reads: {unknown}"


def test_every_setting_in_the_env_template_has_a_comment_above_it() -> None:
    lines = template_lines()
    for name, (_, _, index) in template_settings().items():
        above = lines[index - 1] if index else ""
        assert above.startswith("# ") and len(above) > 6, f"env.template: {name} needs a comment"
        assert len(above) <= 100, f"env.template: the comment above {name} is over 100 characters"


def test_env_template_is_plain_for_systemd_docker_and_dotenv() -> None:
    for name, (value, _, _) in template_settings().items():
        # docker --env-file keeps quotes and everything after '=' literally
        assert value == value.strip() and not re.search(r"[\"'#\s]", value), (name, value)


def test_env_template_leaves_keys_empty_and_machine_defaults_commented() -> None:
    shown = template_settings()
    for field, info in Settings.model_fields.items():
        value, is_set, _ = shown[env_names(field)[0]]
        if info.annotation is not None and "SecretStr" in str(info.annotation):
            assert value == "" and is_set, f"{field}: keys stay empty in the template"
        assert is_set == (field not in MACHINE_DEFAULTS), (
            f"{field}: only settings whose default depends on the machine are commented out"
        )


def test_the_settings_class_reads_the_env_template_as_its_own_defaults() -> None:
    """The values shown are accepted, and they are the defaults (empty = not set)."""

    def normal(value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return None if value == "" else value

    from_template = Settings(_env_file=TEMPLATE)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    different = {
        field: (getattr(from_template, field), getattr(defaults, field))
        for field in Settings.model_fields
        if normal(getattr(from_template, field)) != normal(getattr(defaults, field))
    }
    assert not different, f"env.template shows values that are not the defaults: {different}"


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_dockerfile_copies_files_that_exist_and_runs_the_checked_scripts() -> None:
    instructions = dockerfile_instructions()
    copied: list[str] = []
    for keyword, rest in instructions:
        if keyword == "COPY":
            *sources, _ = shlex.split(rest)
            for source in sources:
                assert (ROOT / source).exists(), f"the Dockerfile copies {source}: missing"
                copied.append(source.rstrip("/"))
    for script in ("packaging/service.sh", "packaging/healthcheck.py"):
        assert script in copied, f"the Dockerfile should copy {script}"
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert f"packaging/service.sh install {INSTALL_PREFIX}" in runs
    [cmd] = [json.loads(rest) for keyword, rest in instructions if keyword == "CMD"]
    assert cmd[1:4] == ["/opt/pressroom/src/packaging/service.sh", "start", INSTALL_PREFIX]
    [health] = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"]
    assert "/opt/pressroom/src/packaging/healthcheck.py" in health and "curl" not in health
    assert ("EXPOSE", str(Settings(_env_file=None).port)) in instructions  # type: ignore[call-arg]
    assert ("STOPSIGNAL", "SIGTERM") in instructions


def unit_settings() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_systemd_unit_runs_the_installed_service_with_the_env_file() -> None:
    unit = unit_settings()
    assert unit["ExecStart"] == [f"{INSTALL_PREFIX}/bin/pressroom serve"]
    assert unit["EnvironmentFile"] == ["/etc/pressroom/env"]
    assert unit["User"] == ["pressroom"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["KillSignal"] == ["SIGTERM"]
    assert int(unit["TimeoutStopSec"][0]) >= 30
    text = UNIT.read_text()
    for path in re.findall(r"packaging/[\w.-]+", text):
        assert (ROOT / path).exists(), f"pressroom.service names {path}: missing"
    assert f"service.sh install {INSTALL_PREFIX}" in text


def test_readme_deployment_points_at_the_files() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Deployment", 1)[1].split("\n## ", 1)[0]
    for name in (
        "packaging/Dockerfile",
        "packaging/pressroom.service",
        "packaging/env.template",
        "packaging/service.sh",
        ".github/workflows/bundle.yml",
    ):
        assert name in section, f"README's Deployment section should point at {name}"
        assert (ROOT / name).exists()
    assert "only the linux build is proven" in " ".join(section.lower().split())


def test_bundle_workflow_builds_and_self_checks_on_three_systems() -> None:
    text = WORKFLOW.read_text()
    assert "os: [ubuntu-latest, windows-latest, macos-latest]" in text
    assert 'python-version: "3.11"' in text
    assert "bash packaging/build.sh" in text
    assert '"$exe" --self-check' in text


def load_healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", PACKAGING / "healthcheck.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def health_server() -> Iterator[tuple[int, dict[str, object]]]:
    answer: dict[str, object] = {"code": 200, "body": {"status": "ok", "isRunning": True}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(answer["body"]).encode()
            code = answer["code"] if self.path == "/health" else 404
            self.send_response(int(str(code)))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_healthcheck_passes_on_ok_and_fails_otherwise(
    health_server: tuple[int, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    port, answer = health_server
    check = load_healthcheck()
    assert check.main(["--host", "0.0.0.0", "--port", str(port)]) == 0
    answer["body"] = {"status": "starting"}
    assert check.main(["--port", str(port)]) == 1
    answer.update(code=503, body={"status": "ok"})
    assert check.main(["--port", str(port)]) == 1
    assert "unhealthy" in capsys.readouterr().err


def test_healthcheck_reads_the_port_the_service_reads(
    health_server: tuple[int, dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, _ = health_server
    monkeypatch.setenv("PORT", str(port))
    assert load_healthcheck().main([]) == 0


def test_service_script_explains_its_usage() -> None:
    done = subprocess.run(
        ["sh", str(PACKAGING / "service.sh")], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "service.sh install PREFIX" in done.stderr


def find_tool(name: str) -> str:
    """A linter from this environment (the test extras) or PATH; skip, loudly, without it."""
    here = Path(sys.executable).parent
    for candidate in (here / name, here / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed: pip install -e '.[test]' installs it")
    return found


def run_tool(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    done = run_tool(
        find_tool("hadolint"), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    done = run_tool(find_tool("actionlint"), "-no-color", *workflows)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="systemd units are checked on Linux")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    analyze = find_tool("systemd-analyze")
    # verify needs ExecStart to exist: point it at this environment's pressroom
    here = Path(sys.executable).parent / "pressroom"
    executable = here if here.exists() else Path(sys.executable)
    copy = tmp_path / "pressroom.service"
    copy.write_text(
        UNIT.read_text().replace(
            f"ExecStart={INSTALL_PREFIX}/bin/pressroom ", f"ExecStart={executable} "
        )
    )
    done = run_tool(analyze, "verify", str(copy), cwd=tmp_path)
    # verify exits 0 on unknown keys and bad values, but says so: any output is a finding
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), (
        done.stdout + done.stderr
    )


def test_every_package_of_the_app_is_installed() -> None:
    """A non-editable install (the Docker image, the service) ships only the packages that
    pyproject.toml lists: a new room left out fails at import there, not here."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.relative_to(root).parent.parts)
        for p in (root / "app").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages"
