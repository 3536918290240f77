"""The nginx example (deploy/nginx/media.conf) serves public media only, however a
path to anything else is spelled. Runs Debian's nginx on a free port."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.redis_server import free_port
from tests.test_public_media import spellings

BASE_DIR = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def raw_get(port, path):
    """The status of GET `path` sent byte for byte (no client-side normalising)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture
def nginx(tmp_path):
    if not os.access(NGINX, os.X_OK):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("nginx is not installed (CI=true; `make test` installs it)")
        pytest.skip("nginx is not installed")
    media = tmp_path / "media"
    for folder, name, data in [
        ("images", "cover.png", b"public image"),
        ("documents", "secret.txt", b"secret notes"),
        ("media", "secret.webm", b"secret video"),
    ]:
        (media / folder).mkdir(parents=True)
        (media / folder / name).write_bytes(data)
    (media / "images" / "link.txt").symlink_to(media / "documents" / "secret.txt")
    port = free_port()
    config = tmp_path / "nginx.conf"
    # Workers of a root master run as `nobody`, who cannot read pytest's tmp dirs.
    user = "user root;" if os.geteuid() == 0 else ""
    config.write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:{port};
        set $educa_root {tmp_path};
        include {BASE_DIR}/deploy/nginx/media.conf;
        location / {{ return 418; }}
    }}
}}
""")
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [NGINX, "-c", str(config), "-p", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_nginx_serves_public_images(nginx):
    assert raw_get(nginx, "/media/images/cover.png") == (200, b"public image")


def test_nginx_never_serves_module_files_from_media(nginx):
    for target in ("documents/secret.txt", "media/secret.webm"):
        for path in spellings(target):
            status, body = raw_get(nginx, path)
            assert status in (400, 404), (path, status)
            assert b"secret" not in body, path


def test_nginx_does_not_follow_symlinks_out_of_public_folders(nginx):
    status, body = raw_get(nginx, "/media/images/link.txt")
    assert status in (403, 404)
    assert b"secret" not in body
