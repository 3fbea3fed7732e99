"""pgbench beside the order-flow benchmark: the flow's write transactions as plain SQL, on
copies of the same tables in a scratch schema."""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg

SCRATCH = "pgbench_flow"  # schema of the pgbench copies of the tables

# --- pgbench: the same write transactions, straight SQL ------------------------------------------

COPIED = (
    "idempotency_record",
    "fuel_order",
    "outbox_job",
    "wallet",
    "ledger_transaction",
    "ledger_entry",
    "pickup_token",
    "audit_log",
    "refund",
    "station_event",
)


def make_scratch_schema(db_url: str) -> None:
    """Copies of the tables a flow writes: columns, defaults, checks, indexes, foreign keys and
    the ledger triggers; wallets copied with their balances. References to tables not copied
    (member, station, fuel ...) point at the real ones."""
    public = [f"public.{t}" for t in COPIED]
    with psycopg.connect(db_url, autocommit=True) as conn:
        foreign_keys = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [public],
        ).fetchall()
        triggers = conn.execute(
            "SELECT tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgrelid = ANY(%s::regclass[])",
            [public],
        ).fetchall()
        conn.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCRATCH}")
        for table in COPIED:
            conn.execute(f"CREATE TABLE {SCRATCH}.{table} (LIKE public.{table} INCLUDING ALL)")
        conn.execute(f"SET search_path = {SCRATCH}, public")
        for table, name, definition in foreign_keys:
            table = table.removeprefix("public.")
            conn.execute(f"ALTER TABLE {SCRATCH}.{table} ADD CONSTRAINT {name} {definition}")
        for table, definition in triggers:
            table = table.removeprefix("public.")
            definition = re.sub(rf" ON (public\.)?{table} ", f" ON {SCRATCH}.{table} ", definition)
            conn.execute(definition)
        conn.execute(f"INSERT INTO {SCRATCH}.wallet SELECT * FROM public.wallet")
        conn.execute("ANALYZE")


# The write transactions of the flows, as the app commits them (see the services): each
# driver write commits its Idempotency-Key claim, its work and its stored answer (a real one,
# captured from the app) together. :oid, :ikey, :txn, :job, :refund_id are set from RETURNING
# with \gset.
SETUP = """
\\set m :first_member + :client_id % :drivers
\\set dispensed_ml random(:max_ml / 2, :max_ml * 95 / 100) / 10 * 10
\\set dispensed_fen (:dispensed_ml * :unit_fen + 500) / 1000
\\set list_total (:dispensed_ml * :list_fen + 500) / 1000
\\set promo :list_total - :dispensed_fen
\\set refund :amount - :dispensed_fen
\\set neg_amount -1 * :amount
\\set neg_list_total -1 * :list_total
\\set neg_refund -1 * :refund
"""

# orders.place_order after the claim (prices come from the per-process catalogue: one version
# check), with its expiry job.
_CLAIM = """INSERT INTO idempotency_record (member_id, endpoint, key, request_hash, created_at)
VALUES (:m, {endpoint}, gen_random_uuid()::text,
        md5(random()::text) || md5(random()::text), now())
RETURNING key AS ikey \\gset
"""
_PLACE = """SELECT catalogue_version FROM chain WHERE id = :chain;
INSERT INTO fuel_order (chain_id, station_id, member_id, order_no, fuel_id, mode,
  preset_amount_fen, price_id, list_price_fen, unit_price_fen, member_price_applied, amount_fen,
  status, paid_fen, refunded_fen, created_at, expires_at)
VALUES (:chain, :station, :m,
  'JY' || to_char(now(), 'YYYYMMDDHH24MISS') || lpad(floor(random() * 1e8)::bigint::text, 8, '0'),
  :fuel, 'amount', :amount, :price, :list_fen, :unit_fen, true, :amount, 'created', 0, 0,
  now(), now() + interval '15 minutes')
RETURNING id AS oid, order_no AS order_no \\gset
INSERT INTO outbox_job (kind, payload, dedupe_key, status, attempts, run_after, last_error,
  created_at)
VALUES ('expire_order', json_build_object('order_id', :oid::int), 'expire:' || :oid::text,
  'pending', 0, now() + interval '15 minutes', '', now())
ON CONFLICT (dedupe_key) DO NOTHING;
"""
# payments.pay_from_wallet: paid, wallet debit, ledger posting, pickup token, station event
# (after the station row's lock).
_PAY = """UPDATE fuel_order SET status = 'paid', paid_fen = :amount, payment_method = 'wallet',
  paid_at = now() WHERE id = :oid AND status = 'created' AND payment_method IS NULL
RETURNING *;
SELECT principal_fen, bonus_fen FROM wallet WHERE member_id = :m FOR UPDATE;
UPDATE wallet SET principal_fen = principal_fen + :neg_amount, bonus_fen = bonus_fen + 0,
  updated_at = now()
  WHERE member_id = :m AND principal_fen + :neg_amount >= 0 AND bonus_fen + 0 >= 0
  AND (frozen_at IS NULL OR (:neg_amount >= 0 AND 0 >= 0));
INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
VALUES (:chain, :station, :oid, 'order.pay.wallet', '', now()) RETURNING id AS txn \\gset
INSERT INTO ledger_entry (chain_id, transaction_id, account, member_id, station_id, order_id,
  amount_fen)
VALUES (:chain, :txn, 'member_wallet', :m, NULL, :oid, :amount),
       (:chain, :txn, 'prepaid_orders', NULL, :station, :oid, :neg_amount)
RETURNING id;
INSERT INTO pickup_token (chain_id, station_id, order_id, token_hash, nonce, expires_at)
VALUES (:chain, :station, :oid, md5(random()::text) || md5(random()::text), md5(random()::text),
  now() + interval '24 hours')
RETURNING id;
SELECT id FROM station WHERE id = :station FOR NO KEY UPDATE;
INSERT INTO station_event (chain_id, station_id, order_id, kind, created_at)
VALUES (:chain, :station, :oid, 'order.paid', now()) RETURNING id;
"""
# idempotency.finish: the stored answer.
_ANSWER = """UPDATE idempotency_record SET status_code = {status}, response = :{answer}
  WHERE member_id = :m AND endpoint = {endpoint} AND key = :ikey AND status_code IS NULL;
"""
PLACE_ENDPOINT = "'POST /api/v1/orders'"
PAY_ENDPOINT = "'POST /api/v1/orders/' || :oid::text || '/pay'"

TWO_STEP = f"""
-- POST /orders: claim, orders.place_order, answer
BEGIN;
{_CLAIM.format(endpoint=PLACE_ENDPOINT)}{_PLACE}{
    _ANSWER.format(status=201, answer="place_json", endpoint=PLACE_ENDPOINT)
}COMMIT;

-- POST /orders/{{id}}/pay: claim, payments.pay_with_wallet (reads the order), answer
BEGIN;
{_CLAIM.format(endpoint=PAY_ENDPOINT)}SELECT * FROM fuel_order WHERE id = :oid;
{_PAY}{_ANSWER.format(status=200, answer="pay_json", endpoint=PAY_ENDPOINT)}COMMIT;
"""

ONE_CALL = f"""
-- POST /orders with pay_with=wallet: claim, payments.place_and_pay, answer
BEGIN;
{_CLAIM.format(endpoint=PLACE_ENDPOINT)}{_PLACE}{_PAY}{
    _ANSWER.format(status=201, answer="place_pay_json", endpoint=PLACE_ENDPOINT)
}COMMIT;
"""

FUELLING = """
-- pickup.confirm: token burnt, fuelled, audit, settlement job, station event (after the lock)
BEGIN;
UPDATE pickup_token SET used_at = now(), used_by_id = :staff
  WHERE order_id = :oid AND used_at IS NULL;
UPDATE fuel_order SET status = 'fueled', dispensed_ml = :dispensed_ml,
  dispensed_fen = :dispensed_fen, fueled_at = now(), fueled_by_id = :staff
  WHERE id = :oid AND status = 'paid' AND paid_fen - refunded_fen >= :dispensed_fen
RETURNING *;
INSERT INTO audit_log (chain_id, station_id, actor_staff_id, actor_label, action, entity_type,
  entity_id, after, ip, created_at)
VALUES (:chain, :station, :staff, '加油员(km001.attendant)', 'order.fueled', 'order', :oid,
  json_build_object('dispensed_ml', :dispensed_ml::int, 'dispensed_fen', :dispensed_fen::int),
  '127.0.0.1', now())
RETURNING id;
INSERT INTO outbox_job (kind, payload, dedupe_key, status, attempts, run_after, last_error,
  created_at)
VALUES ('settle_order', json_build_object('order_id', :oid::int), 'settle:' || :oid::text,
  'pending', 0, now(), '', now())
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id AS job \\gset
SELECT id FROM station WHERE id = :station FOR NO KEY UPDATE;
INSERT INTO station_event (chain_id, station_id, order_id, kind, created_at)
VALUES (:chain, :station, :oid, 'order.fueled', now()) RETURNING id;
COMMIT;

-- outbox.claim, returning the job
BEGIN;
UPDATE outbox_job SET status = 'running', claimed_at = now(), attempts = attempts + 1
  WHERE id = :job AND status = 'pending'
RETURNING kind, payload, attempts;
COMMIT;

-- outbox.execute: settlement.settle_order with refunds.create_refund (wallet) and the tier
-- recompute (the demo chain has tiers; a change of tier, now and then, is left out), job done
BEGIN;
UPDATE fuel_order SET status = 'settled', settled_at = now() WHERE id = :oid AND status = 'fueled'
RETURNING *;
INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
VALUES (:chain, :station, :oid, 'order.settle', '', now()) RETURNING id AS txn \\gset
INSERT INTO ledger_entry (chain_id, transaction_id, account, member_id, station_id, order_id,
  amount_fen)
VALUES (:chain, :txn, 'prepaid_orders', NULL, :station, :oid, :dispensed_fen),
       (:chain, :txn, 'promotion_expense', NULL, :station, :oid, :promo),
       (:chain, :txn, 'fuel_revenue', NULL, :station, :oid, :neg_list_total)
RETURNING id;
UPDATE fuel_order SET refunded_fen = refunded_fen + :refund
  WHERE id = :oid AND refunded_fen + :refund <= paid_fen;
SELECT count(id) FROM refund WHERE order_id = :oid;
INSERT INTO refund (chain_id, station_id, order_id, out_refund_no, method, kind, amount_fen,
  status, reason, attempts, last_error, created_at, finished_at)
VALUES (:chain, :station, :oid, :order_no::text || 'R01', 'wallet', 'settlement', :refund,
  'SUCCESS', '加油差额退款', 0, '', now(), now())
RETURNING id AS refund_id \\gset
UPDATE wallet SET principal_fen = principal_fen + :refund, bonus_fen = bonus_fen + 0,
  updated_at = now()
  WHERE member_id = :m AND principal_fen + :refund >= 0 AND bonus_fen + 0 >= 0
  AND (frozen_at IS NULL OR (:refund >= 0 AND 0 >= 0));
INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
VALUES (:chain, :station, :oid, 'refund.settlement', :order_no::text || 'R01', now())
RETURNING id AS txn \\gset
INSERT INTO ledger_entry (chain_id, transaction_id, account, member_id, station_id, order_id,
  amount_fen)
VALUES (:chain, :txn, 'prepaid_orders', NULL, :station, :oid, :refund),
       (:chain, :txn, 'member_wallet', :m, NULL, :oid, :neg_refund)
RETURNING id;
INSERT INTO audit_log (chain_id, station_id, actor_label, action, entity_type, entity_id, after,
  ip, created_at)
VALUES (:chain, :station, 'system', 'refund.create', 'refund', :refund_id,
  json_build_object('amount_fen', :refund::int, 'method', 'wallet', 'kind', 'settlement'),
  '', now())
RETURNING id;
SELECT id, name, rank, threshold FROM tier WHERE chain_id = :chain ORDER BY rank;
SELECT member.chain_id, member.tier_id, chain.tier_metric, chain.tier_window_days
  FROM member JOIN chain ON chain.id = member.chain_id WHERE member.id = :m
  FOR NO KEY UPDATE OF member;
SELECT member_id, sum(paid_fen - refunded_fen) FROM fuel_order
  WHERE member_id IN (:m) AND status = 'settled' AND settled_at > now() - interval '365 days'
  AND settled_at <= now()
  GROUP BY member_id;
UPDATE outbox_job SET status = 'done', finished_at = now(), last_error = '' WHERE id = :job;
COMMIT;
"""
SCRIPTS = {"two-step": SETUP + TWO_STEP + FUELLING, "one-call": SETUP + ONE_CALL + FUELLING}


def pgbench_script(flow: str) -> tuple[str, int]:
    """A flow's script and its number of write transactions (one run of it is one flow).

    The RQ relay is left out: it queues every due job in one transaction per poll (a second),
    a small fraction of a transaction per flow under load."""
    script = SCRIPTS[flow]
    return script, script.count("\nCOMMIT;")


def pgbench(db_url: str, script: Path, variables: dict, clients: int, seconds: int) -> dict:
    command = ["pgbench", "-n", "-M", "prepared"]
    command += ["-c", str(clients), "-j", "2", "-T", str(seconds), "-f", str(script)]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    env = {**os.environ, "PGOPTIONS": f"-c search_path={SCRATCH},public"}
    done = subprocess.run([*command, db_url], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"pgbench failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return {
        "tps": float(tps.group(1)),
        "latency_ms": float(latency.group(1)),
        "failed": int(failed.group(1)) if failed else 0,
    }
