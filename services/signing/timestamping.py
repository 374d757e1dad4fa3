"""RFC 3161 timestamp client over HTTP (urllib), used for PAdES B-T and B-LTA.

pyHanko's own HTTP timestamper needs `requests`; this one uses the standard
library so the installer stays small. The TSA URL is a setting (BSSN's TSA in a
real office, the demo PKI server's ``/tsa`` in the demo and tests).
"""

from __future__ import annotations

import asyncio
import base64
import urllib.error
import urllib.request

from asn1crypto import tsp
from pyhanko.sign.timestamps.api import TimeStamper

from services.errors import UnreachableError

MAX_REPLY = 1 << 20


class TsaUnreachable(UnreachableError):
    title = "Otoritas stempel waktu tidak dapat dihubungi"


class HttpTimeStamper(TimeStamper):
    def __init__(self, url: str, *, timeout: float = 20.0, username: str = "", password: str = "") -> None:
        super().__init__(include_nonce=True)
        self.url = url
        self.timeout = timeout
        self._auth = (username, password) if username else None

    def _post(self, body: bytes) -> bytes:
        req = urllib.request.Request(self.url, data=body, method="POST",
                                     headers={"Content-Type": "application/timestamp-query"})
        if self._auth is not None:
            token = base64.b64encode(f"{self._auth[0]}:{self._auth[1]}".encode()).decode("ascii")
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - URL is an admin setting
                ctype = resp.headers.get("Content-Type", "")
                data = resp.read(MAX_REPLY + 1)
        except urllib.error.HTTPError as exc:
            raise TsaUnreachable(f"Otoritas stempel waktu {self.url} menolak permintaan (HTTP {exc.code}).") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TsaUnreachable(f"Otoritas stempel waktu {self.url} tidak dapat dihubungi: {reason}.") from None
        if len(data) > MAX_REPLY or "timestamp-reply" not in ctype:
            raise TsaUnreachable(f"Jawaban otoritas stempel waktu {self.url} bukan balasan RFC 3161 ({ctype}).")
        return data

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        data = await asyncio.to_thread(self._post, req.dump())
        try:
            return tsp.TimeStampResp.load(data)
        except ValueError:
            raise TsaUnreachable(f"Balasan otoritas stempel waktu {self.url} rusak.") from None
