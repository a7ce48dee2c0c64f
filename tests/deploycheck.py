"""deploy/ read by the tests (tests/unit/test_deploy.py, tests/e2e/test_deploy_nginx.py): the
compose file, nginx.conf's upstream, and a copy of nginx.conf that runs here (no Docker engine and
no compose DNS on these machines, so the upstream hostnames are pointed at loopback ports)."""

from __future__ import annotations

import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
NGINX_CONF = DEPLOY / "nginx.conf"


def compose() -> dict:
    import yaml  # requirements-dev.txt

    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def app_services(doc: dict) -> dict[str, dict]:
    """The services that run the explorer (built from deploy/Dockerfile)."""
    return {
        name: svc
        for name, svc in doc["services"].items()
        if svc.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
    }


def upstream_servers(conf: str) -> list[str]:
    """The `server host:port` entries of nginx.conf's `upstream chutes` block."""
    block = re.search(r"upstream\s+chutes\s*\{(.*?)\}", conf, re.S)
    if not block:
        raise AssertionError("nginx.conf has no `upstream chutes` block")
    return re.findall(r"^\s*server\s+(\S+?)[\s;]", block.group(1), re.M)


def loopback_copy(directory: Path, ports: dict[str, int], listen: int | None = None) -> Path:
    """nginx.conf in `directory`, each upstream `server host:port` pointed at 127.0.0.1:ports[host]
    (and, given `listen`, listening on 127.0.0.1:listen instead of port 80)."""
    conf = NGINX_CONF.read_text(encoding="utf-8")
    for host, port in ports.items():
        conf, n = re.subn(rf"\bserver\s+{re.escape(host)}:\d+", f"server 127.0.0.1:{port}", conf)
        if n != 1:
            raise AssertionError(f"{host} is not once in nginx.conf's upstream")
    if listen is not None:
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    path = directory / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def nginx_args(directory: Path, conf: Path) -> list[str]:
    """`nginx` with everything it writes (pid, logs, temp files) kept in `directory`."""
    return [
        "nginx",
        "-p",
        str(directory),
        "-c",
        str(conf),
        "-g",
        f"pid {directory}/nginx.pid; error_log {directory}/error.log;",
    ]
