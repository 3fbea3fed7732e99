"""The processes a fault is injected into, each a real one of its own: a Redis server, the
`flask worker` command, a gunicorn web server; and PostgreSQL's pg_terminate_backend."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import redis
from rq import Worker

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, seconds: float, what: str, every: float = 0.05):
    """Poll (bounded) until condition() returns something true; returns it."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(every)
    return value


def terminate_backends(admin_url: str, database: str) -> int:
    """pg_terminate_backend of every connection to `database` (the app's), as an administrator
    or a failover does, in one statement; returns how many."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            ).fetchall()
        )


class Process:
    """A subprocess with its output in a log file, killed for good at the end of the test."""

    def __init__(self, name: str, folder: Path, args: list[str], env: dict[str, str]):
        self.name, self.args, self.env = name, args, env
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                self.args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class RedisServer(Process):
    """redis-server on a free port, without persistence: a restart comes back empty."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(folder)]
        # On the real clock even when the suite runs on a faked one (tests/faketime): Redis's
        # allocator and libfaketime clash at start-up, and only the app's clock is under test.
        env = {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}
        super().__init__("redis", folder, args, env)

    def start(self) -> None:
        super().start()
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), 10, "redis-server answers")


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def app_env(database_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """The environment of a production-like process: PostgreSQL, Redis, short job timings."""
    foreign = ("JOBS_", "RATELIMIT_", "WECHAT", "PUBLIC_BASE_URL")  # from a developer's shell
    env = {k: v for k, v in os.environ.items() if not k.startswith(foreign)}
    env.update(
        JIAYOU_ENV="development",
        SANDBOX="true",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI="memory://",
        SECRET_KEY="fault-tests-secret-key",
        JOBS_POLL_MS="100",
        JOBS_LEASE_S="2",
        LOG_LEVEL="INFO",
    )
    env.update(settings)
    return env


class FlaskWorker(Process):
    """`flask --app wsgi worker`, the production job runner."""

    def __init__(self, folder: Path, env: dict[str, str]):
        args = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        super().__init__("worker", folder, args, env)

    def start(self) -> None:
        """Returns once the worker has registered with RQ (its relay thread started before)."""
        super().start()
        connection = redis.Redis.from_url(self.env["REDIS_URL"])
        wait_until(lambda: self._registered(connection), 60, "the worker registers with RQ")

    def _registered(self, connection) -> bool:
        assert self.process.poll() is None, "the worker exited:\n" + self.log()
        return any(w.pid == self.process.pid for w in Worker.all(connection=connection))


class Gunicorn(Process):
    """gunicorn as docs/deploy.md runs it (one worker process, so a kill -9 hits the request)."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "4"]
        args += ["-b", f"127.0.0.1:{self.port}", "--no-control-socket", "wsgi:app"]
        super().__init__("gunicorn", folder, args, {**env, "PUBLIC_BASE_URL": self.url})

    def start(self) -> None:
        super().start()
        wait_until(self._healthy, 60, "gunicorn answers /healthz", every=0.1)

    def _healthy(self) -> bool:
        assert self.process.poll() is None, "gunicorn exited:\n" + self.log()
        try:
            return httpx.get(self.url + "/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def worker_pids(self) -> list[int]:
        """The pids of gunicorn's worker processes (children of the master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]
