"""The example files in deploy/ say what the app reads: nginx accepts the site configuration, its upload limit is
the app's, and every setting of the env file is one the app knows."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.config import ENVIRONMENT_KEYS, Defaults

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))
import local_cluster  # noqa: E402

NGINX = local_cluster.nginx_binary()
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")


def nginx_accepts(folder: Path, site: str) -> subprocess.CompletedProcess:
    """`nginx -t` on `site` (an http-level include) inside a minimal main configuration of this folder."""
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\nhttp {{\n"
        f"  access_log off;\n  client_body_temp_path {folder}/b; proxy_temp_path {folder}/p;\n"
        f"  fastcgi_temp_path {folder}/f; uwsgi_temp_path {folder}/u; scgi_temp_path {folder}/s;\n"
        f"  include {folder}/site.conf;\n}}\n")
    return subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                          capture_output=True, text=True, timeout=30)


@needs_nginx
def test_nginx_accepts_the_example_site(tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to check the TLS server block with")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp_path / "key.pem",
                    "-out", tmp_path / "cert.pem", "-days", "1", "-subj", "/CN=jiebang.test"],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx" / "jiebang.conf").read_text()
    site = (site.replace("/etc/ssl/jiebang/fullchain.pem", str(tmp_path / "cert.pem"))
                .replace("/etc/ssl/jiebang/privkey.pem", str(tmp_path / "key.pem"))
                .replace("listen 80;", "listen 127.0.0.1:1;").replace("listen 443", "listen 127.0.0.1:2"))
    result = nginx_accepts(tmp_path, site)
    assert result.returncode == 0, result.stderr


@needs_nginx
def test_nginx_accepts_the_generated_cluster_configuration(tmp_path):
    cluster = local_cluster.LocalCluster()
    try:
        (cluster.folder / "nginx").mkdir()
        config = cluster.folder / "nginx" / "nginx.conf"
        config.write_text(cluster.nginx_config())
        result = subprocess.run([NGINX, "-t", "-p", str(config.parent), "-c", str(config)],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    finally:
        cluster.stop()


def test_the_upload_limit_of_nginx_is_the_apps():
    megabytes = Defaults.MAX_CONTENT_LENGTH // (1024 * 1024)
    site = (DEPLOY / "nginx" / "jiebang.conf").read_text()
    assert re.findall(r"client_max_body_size (\d+)m;", site) == [str(megabytes)]
    cluster = local_cluster.LocalCluster()
    try:
        assert re.findall(r"client_max_body_size (\d+)m;", cluster.nginx_config()) == [str(megabytes)]
    finally:
        cluster.stop()


def test_every_setting_of_the_env_file_is_read_by_the_app():
    names = [line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    unknown = set(names) - set(ENVIRONMENT_KEYS) - {"INSTANCE_PATH", "FLASK_APP"}
    assert not unknown, f"deploy/env.example sets what the app never reads: {sorted(unknown)}"
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL", "JOB_QUEUE_URL", "UPLOAD_FOLDER"} <= set(names)
