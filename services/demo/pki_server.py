"""HTTP front of the demo PKI on a loopback port: RFC 3161 TSA, CRL and OCSP.

    POST /tsa              application/timestamp-query  → application/timestamp-reply
    GET  /crl/root.crl     application/pkix-crl
    POST /ocsp             application/ocsp-request     → application/ocsp-response
    GET  /ocsp/<base64>    (RFC 6960 appendix A.1)
    GET  /ca.pem           the root certificate (to configure as the trusted root)

Start it before issuing certificates so they carry its URLs:
``server = PkiServer.start(clock)`` then ``server.pki.issue(...)``.
"""

from __future__ import annotations

import base64
import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.clock import Clock
from services.demo.pki import DemoPki

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("pki %s - %s", self.address_string(), format % args)

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _count(self, path: str) -> None:
        key = path.strip("/").split("/")[0]
        self.server.hits[key] = self.server.hits.get(key, 0) + 1

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self._send(400, "text/plain", b"bad length")
            return None
        return self.rfile.read(length)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        pki = self.server.pki
        path = urllib.parse.urlsplit(self.path).path
        self._count(path)
        if path == "/crl/root.crl":
            self._send(200, "application/pkix-crl", pki.crl_der())
        elif path.startswith("/ocsp/"):
            try:
                req = base64.b64decode(urllib.parse.unquote(path[len("/ocsp/"):]))
            except ValueError:
                self._send(400, "text/plain", b"bad request")
                return
            self._send(200, "application/ocsp-response", pki.ocsp_response_der(req))
        elif path == "/ca.pem":
            self._send(200, "application/x-pem-file", pki.root_pem)
        else:
            self._send(404, "text/plain", b"not found")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        pki = self.server.pki
        path = urllib.parse.urlsplit(self.path).path
        body = self._body()
        if body is None:
            return
        self._count(path)
        if path == "/tsa":
            self._send(200, "application/timestamp-reply", pki.timestamp_response_der(body))
        elif path == "/ocsp":
            self._send(200, "application/ocsp-response", pki.ocsp_response_der(body))
        else:
            self._send(404, "text/plain", b"not found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    pki: DemoPki
    hits: dict[str, int]


class PkiServer:
    """A running demo PKI server; ``stop()`` it when done (also a context manager)."""

    def __init__(self, pki: DemoPki, httpd: _Server) -> None:
        self.pki = pki
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="demo-pki", daemon=True)

    @classmethod
    def start(cls, clock: Clock, host: str = "127.0.0.1", port: int = 0, *, key_size: int = 2048,
              name: str = "CA Demo Presensi OPD") -> PkiServer:
        httpd = _Server((host, port), _Handler)
        httpd.hits = {}
        bound_port = int(httpd.server_address[1])
        httpd.pki = DemoPki(clock, name=name, base_url=f"http://{host}:{bound_port}", key_size=key_size)
        server = cls(httpd.pki, httpd)
        server._thread.start()
        return server

    @property
    def url(self) -> str:
        return self.pki.base_url

    @property
    def tsa_url(self) -> str:
        return f"{self.pki.base_url}/tsa"

    @property
    def hits(self) -> dict[str, int]:
        return dict(self._httpd.hits)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> PkiServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
