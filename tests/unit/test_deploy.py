"""deploy/: what can be checked without a Docker engine (there is none on these machines). The
compose file parses and its parts agree with each other and with nginx.conf; nginx.conf passes
the real `nginx -t` (with the compose hostnames pointed at loopback, as nothing resolves them
here). Not run here: `docker compose up`, the image build, the postgres:15 and nginx images;
tests/e2e/test_deploy_nginx.py runs this nginx.conf in front of two loopback servers."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from deploycheck import app_services, compose, loopback_copy, nginx_args, upstream_servers

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_two_replicas_one_database_one_balancer():
    doc = compose()
    apps = app_services(doc)
    assert len(apps) >= 2, "a team deployment runs at least two replicas"
    envs = [svc["environment"] for svc in apps.values()]
    assert all(env == envs[0] for env in envs), "every replica has the same settings"
    url = envs[0]["CHUTES_DATABASE_URL"]
    assert url.startswith("postgresql://")
    db = doc["services"]["db"]
    user, name = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"]
    assert re.fullmatch(rf"postgresql://{user}:\$\{{POSTGRES_PASSWORD:\?[^}}]+\}}@db:5432/{name}", url)
    for svc in apps.values():
        assert svc["depends_on"]["db"]["condition"] == "service_healthy"
        assert any("/api/health" in part for part in svc["healthcheck"]["test"])
    lb = doc["services"]["lb"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in lb["volumes"]
    assert set(lb["depends_on"]) == set(apps)


def test_secrets_come_from_the_environment_never_the_file():
    doc = compose()
    for svc in doc["services"].values():
        for key, value in (svc.get("environment") or {}).items():
            if any(word in key for word in ("KEY", "PASSWORD", "SECRET", "TOKEN")):
                assert str(value).startswith("${"), f"{key} is written into the compose file"
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and "cache" in ignored  # the key and the local history stay out of the image


def test_the_balancer_sends_to_every_replica_stickily():
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    exposed = re.search(r"^EXPOSE\s+(\d+)", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert exposed
    assert sorted(upstream_servers(conf)) == sorted(
        f"{name}:{exposed.group(1)}" for name in app_services(compose())
    )
    assert re.search(r"upstream\s+chutes\s*\{\s*ip_hash;", conf), "sessions must be sticky"
    assert "proxy_set_header Upgrade $http_upgrade;" in conf  # Streamlit's websocket


@pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx-light)"
)
def test_nginx_accepts_the_config(tmp_path):
    hosts = {
        server.split(":")[0]: 18500 + i
        for i, server in enumerate(upstream_servers((DEPLOY / "nginx.conf").read_text()))
    }
    conf = loopback_copy(tmp_path, hosts)
    cmd = [*nginx_args(tmp_path, conf), "-t"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
    # the original fails only because the compose hostnames do not resolve here
    cmd[cmd.index("-c") + 1] = str(DEPLOY / "nginx.conf")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "host not found in upstream" in done.stderr
