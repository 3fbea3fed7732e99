"""A forward proxy for tests: it takes CONNECT to one host only, ends the TLS itself with a
certificate from a throwaway CA, and relays each request over plain HTTP to a local base URL.

An SDK that hard-codes WeChat Pay's host but lets its caller set a proxy reaches the sandbox this
way, unmodified. Nothing leaves the machine: a CONNECT to any other host is refused, and the relay
itself only ever connects to the local base URL.
"""

import http.client
import socketserver
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Not passed on in either direction: they describe one connection, not the message.
HOP_BY_HOP = {
    "connection",
    "content-length",
    "host",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
MAX_HEAD = 64 * 1024


class TlsRelay:
    def __init__(self, host: str, upstream: str, folder: Path):
        self.host = host
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port, parts.path.rstrip("/"))
        self.ca_file = folder / "relay-ca.pem"
        self.tls = self._tls_context(folder)
        self.seen: list[str] = []  # "METHOD target" as the client sent them
        self.rewrite: Callable[[bytes], bytes] | None = None  # changes answers on the way back
        relay = self

        class Tunnel(socketserver.BaseRequestHandler):
            def handle(self):
                relay.tunnel(self.request, self.client_address)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Tunnel)
        self._server.daemon_threads = True
        self.proxy_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def tunnel(self, sock, address) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk or len(head) > MAX_HEAD:
                return
            head += chunk
        method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        if method != "CONNECT" or target != f"{self.host}:443":
            sock.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with self.tls.wrap_socket(sock, server_side=True) as tls:
            Forward(tls, address, self)

    def _tls_context(self, folder: Path) -> ssl.SSLContext:
        """A CA made now, valid for a day, and a certificate for the host signed by it."""
        now = datetime.now(UTC)
        ca_key, key = (
            ec.generate_private_key(ec.SECP256R1()),
            ec.generate_private_key(ec.SECP256R1()),
        )
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test relay CA")])
        ca = (
            _builder(ca_name, ca_name, ca_key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        host_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.host)])
        leaf = (
            _builder(host_name, ca_name, key.public_key(), now)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(self.host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        self.ca_file.write_bytes(ca.public_bytes(pem))
        chain = folder / "relay-host.pem"
        chain.write_bytes(
            leaf.public_bytes(pem)
            + key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain)
        return context


def _builder(subject, issuer, public_key, now) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
    )


def _usage(**granted) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{name: granted.get(name, False) for name in names})


class Forward(BaseHTTPRequestHandler):
    """One request inside the tunnel, relayed to the upstream base URL, its answer passed back."""

    protocol_version = "HTTP/1.1"
    server: TlsRelay  # type: ignore[assignment]

    def relay(self) -> None:
        host, port, base_path = self.server.upstream
        self.server.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(host, port, timeout=10)
        try:
            upstream.request(self.command, base_path + self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
        finally:
            upstream.close()
        if self.server.rewrite:
            data = self.server.rewrite(data)
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = relay

    def log_message(self, format, *args) -> None:
        pass
