"""kill -9 in the middle of a write: nothing of it is kept, and the retry succeeds.

Each test starts the real server (`joinery serve`: gunicorn master and workers, in a process
group of its own) on the demo's data, in a database of its own (a SQLite file, or a fresh
PostgreSQL database when DATABASE_URL is PostgreSQL). It sends a write over the API with a
fault point turned on (JOINERY_FAULT_PAUSE, see joinery.core.faults): the service has made
every write of its transaction and pauses before it commits. The test then SIGKILLs the whole
process group, so nothing gets to roll back or clean up, and reads the database directly:
no partial write, the audit chain intact. It restarts the server without the fault point,
sends the same request again and checks that it succeeds.

Docs: docs/faults.md.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import totp_code
from tests.servers import (
    LiveServer,
    is_postgres,
    load_demo,
    run_joinery,
    server_database,
    server_env,
    start_server,
)

pytestmark = pytest.mark.server

FAMILIES_FIRST = "Families First information-sharing protocol"  # awaits Parents Together's signature
SIGNER = "parents@together.example"
SIGNER_ORG = "parents-together"
IMPORTER = "foodbank@eastside.example"
IMPORTER_ORG = "eastside-food-bank"
EASTSIDE = "eastside-neighbourhood-renewal"
IMPORT_ROWS = 1200  # three INSERT batches of at most 500 (contributions_import's bulk_create)

TOKENS_SCRIPT = """
from joinery.accounts.models import Person
from joinery.accounts.services import api_token_create
import json
keys = {}
for email in %r:
    _token, keys[email] = api_token_create(actor=Person.objects.get(email=email), name="kill -9 test",
                                           scope="read_write")
print(json.dumps(keys))
"""


# --- the site: the demo in a database of its own ------------------------------------------------

@dataclass
class Site:
    var_dir: Path
    env: dict
    database_url: str
    tokens: dict

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the server's database directly, as an operator would after the crash."""
        if is_postgres(self.database_url):
            import psycopg

            url = "postgresql://" + self.database_url.split("://", 1)[1]
            with psycopg.connect(url) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        conn = sqlite3.connect(self.database_url.removeprefix("sqlite:///"))
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple = ()):
        return self.query(sql, params)[0][0]

    def audit_verify(self) -> str:
        result = run_joinery(self.env, "audit", "verify")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Audit chain intact" in result.stdout
        return result.stdout

    def serve(self, fault: str | None = None) -> LiveServer:
        env = dict(self.env)
        if fault:
            env.update(JOINERY_FAULT_PAUSE=fault, JOINERY_FAULT_MARKER=str(self.marker),
                       JOINERY_FAULT_PAUSE_SECONDS="120")
        # No task worker: only gunicorn's processes touch the database while the write is in flight.
        return start_server(env, self.var_dir / "server.log", with_worker=False)

    @property
    def marker(self) -> Path:
        return self.var_dir / "fault-points.log"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("kill9")
    with server_database(var_dir, prefix="joinery_faults_") as database_url:
        env = server_env(var_dir, database_url)
        load_demo(env)
        made = run_joinery(env, "manage", "shell", "-c", TOKENS_SCRIPT % ([SIGNER, IMPORTER],))
        assert made.returncode == 0, made.stdout + made.stderr
        tokens = json.loads(made.stdout.strip().splitlines()[-1])
        yield Site(var_dir=var_dir, env=env, database_url=database_url, tokens=tokens)


# --- HTTP ---------------------------------------------------------------------------------------

def api(server: LiveServer, token: str, method: str, path: str, *, json_body=None, body: bytes | None = None,
        content_type: str | None = None, timeout: float = 60):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if json_body is not None:
        body, content_type = json.dumps(json_body).encode(), "application/json"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(server.url + "/api/v1" + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class InFlight:
    """A request sent from a thread, so the test can kill the server while it waits for the answer."""

    def __init__(self, send):
        self.answer = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(send,), daemon=True)
        self._thread.start()

    def _run(self, send):
        try:
            self.answer = send()
        except BaseException as exc:  # the connection dies with the server: that is the point
            self.error = exc

    def join(self, timeout: float = 30) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the request did not end when the server was killed"


def wait_for_fault_point(site: Site, name: str, server: LiveServer, seen: int, timeout: float = 60) -> None:
    """Wait until the server's log of fault points has a new line for `name`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError):
            lines = site.marker.read_text().splitlines()
            if sum(1 for line in lines if line.split()[0] == name) > seen:
                return
        if server.process.poll() is not None:
            pytest.fail(f"the server exited before the fault point:\n{server.log_tail()}")
        time.sleep(0.05)
    pytest.fail(f"the request never reached the fault point {name!r}:\n{server.log_tail()}")


def fault_point_hits(site: Site, name: str) -> int:
    try:
        return sum(1 for line in site.marker.read_text().splitlines() if line.split()[0] == name)
    except FileNotFoundError:
        return 0


def assert_transaction_in_flight(site: Site) -> None:
    """On PostgreSQL: a backend of the server's database holds an uncommitted transaction that
    has written (a transaction gets an xid at its first write)."""
    if not is_postgres(site.database_url):
        return
    name = site.database_url.rsplit("/", 1)[1]
    writing = site.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND backend_xid IS NOT NULL "
                          "AND state = 'idle in transaction'", (name,))
    assert writing == 1, "expected the paused request's transaction, with its writes, open on the server"


def kill9_mid_write(site: Site, server: LiveServer, name: str, send) -> InFlight:
    seen = fault_point_hits(site, name)
    flight = InFlight(send)
    wait_for_fault_point(site, name, server, seen)
    assert_transaction_in_flight(site)
    server.kill9()
    flight.join()
    assert flight.answer is None, f"the server answered before it was killed: {flight.answer}"
    assert flight.error is not None
    return flight


# --- the tests ------------------------------------------------------------------------------------

def test_kill9_mid_signature_writes_nothing_and_the_retry_signs(site):
    agreement_id, version_id = site.query("SELECT id, signature_version_id FROM agreements_agreement WHERE title = ?",
                                          (FAMILIES_FIRST,))[0]
    org_id = site.scalar("SELECT id FROM organisations_organisation WHERE slug = ?", (SIGNER_ORG,))

    def state():
        return {
            "agreement": site.query("SELECT status, version, in_force_version_id FROM agreements_agreement "
                                    "WHERE id = ?", (agreement_id,))[0],
            "signature": site.query("SELECT status, signer_id, signed_at, fingerprint FROM agreements_signature "
                                    "WHERE version_id = ? AND organisation_id = ?", (version_id, org_id))[0],
            "audit": site.scalar("SELECT count(*) FROM audit_auditevent"),
            "events": dict(site.query("SELECT action, count(*) FROM audit_auditevent WHERE action IN "
                                      "('agreement.signed', 'agreement.in_force') GROUP BY action")),
        }

    before = state()
    assert before["agreement"][0] == "awaiting_signatures" and before["signature"][0] == "pending"
    token = site.tokens[SIGNER]

    server = site.serve(fault="agreement.sign")
    try:
        status, detail = api(server, token, "GET", f"/agreements/{agreement_id}")
        assert status == 200, detail
        fingerprint = detail["signature_version"]["fingerprint"]
        payload = {"acting_for": SIGNER_ORG, "fingerprint": fingerprint, "otp": totp_code(_demo_secret())}
        kill9_mid_write(site, server, "agreement.sign",
                        lambda: api(server, token, "POST", f"/agreements/{agreement_id}/sign", json_body=payload))
    finally:
        server.stop()

    # Nothing of the signature was kept: no signature, no state change, no audit event, chain intact.
    assert state() == before
    site.audit_verify()

    server = site.serve()
    try:
        payload["otp"] = totp_code(_demo_secret())
        status, body = api(server, token, "POST", f"/agreements/{agreement_id}/sign", json_body=payload)
    finally:
        server.stop()
    assert status == 200, body
    assert body["signature"]["status"] == "signed" and body["agreement"]["status"] == "in_force"
    after = state()
    assert after["signature"][0] == "signed" and after["signature"][3] == fingerprint
    assert after["agreement"][0] == "in_force" and after["agreement"][2] == version_id
    for action in ("agreement.signed", "agreement.in_force"):  # once each, from the retry
        assert after["events"].get(action, 0) == before["events"].get(action, 0) + 1, action
    assert after["audit"] > before["audit"]
    site.audit_verify()


def test_kill9_mid_import_writes_no_row_and_the_retry_imports_them_all(site):
    partnership_id = site.scalar("SELECT id FROM network_partnership WHERE slug = ?", (EASTSIDE,))
    data = _contributions_csv(IMPORT_ROWS)

    def state():
        return {
            "contributions": site.scalar("SELECT count(*) FROM contributions_contribution WHERE partnership_id = ?",
                                         (partnership_id,)),
            "imports": site.scalar("SELECT count(*) FROM contributions_contributionimport"),
            "audit": site.scalar("SELECT count(*) FROM audit_auditevent"),
            "import_events": site.scalar("SELECT count(*) FROM audit_auditevent WHERE action IN "
                                         "('contributions.imported', 'contribution_import.rejected')"),
        }

    before = state()
    token = site.tokens[IMPORTER]
    body, content_type = _multipart({"acting_for": IMPORTER_ORG}, "file", "food-bank-kill9.csv", data)
    path = f"/partnerships/{EASTSIDE}/contributions/import"

    server = site.serve(fault="contributions.import")
    try:
        kill9_mid_write(site, server, "contributions.import",
                        lambda: api(server, token, "POST", path, body=body, content_type=content_type))
    finally:
        server.stop()

    # Not one row of the file, no import record, no audit event; the chain intact.
    assert state() == before
    site.audit_verify()

    server = site.serve()
    try:
        status, answer = api(server, token, "POST", path, body=body, content_type=content_type, timeout=120)
    finally:
        server.stop()
    assert status == 201, answer
    assert answer["status"] == "imported" and answer["rows"] == IMPORT_ROWS
    after = state()
    assert after["contributions"] == before["contributions"] + IMPORT_ROWS
    assert after["imports"] == before["imports"] + 1
    assert site.scalar("SELECT count(*) FROM contributions_contribution WHERE batch_id = ?",
                       (answer["id"],)) == IMPORT_ROWS
    assert after["import_events"] == before["import_events"] + 1
    site.audit_verify()


# --- helpers ----------------------------------------------------------------------------------------

def _demo_secret() -> str:
    from joinery.demo import DEMO_TOTP_SECRET

    return DEMO_TOTP_SECRET


def _contributions_csv(rows: int) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["date", "kind", "description", "quantity", "currency"])
    for n in range(1, rows + 1):
        writer.writerow([f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}", "money", f"Grocery voucher batch {n}",
                         f"{n % 90 + 10}.50", "CAD"])
    return buf.getvalue().encode()


def _multipart(fields: dict[str, str], file_field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"

