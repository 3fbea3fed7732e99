"""A busy chain's year in SQL, for the console benchmark: 100 stations, members, staff, and
N orders (2 million by default) with their refunds, written with generate_series in 30-day
chunks, oldest first, so ids grow with time as in real life.

The mix: station 1 is the busiest (about 10 % of the orders, station 100 about 0.5 %); 80 %
online (WeChat Pay 65 %, wallet 35 %), 20 % at the counter (wallet); 92# 55 %, 95# 30 %, 98# 5 %,
0# 10 %; 94 % settled, 3 % cancelled, 3 % expired, the last 15 minutes still open; orders at
local hours weighted to the morning and evening rushes. Settled orders that dispensed less than
paid get a settlement refund, a few full ones a manual refund, paid-then-cancelled ones a cancel
refund. Today is seeded whole, its hours still to come included, so that the dashboard adds up
a full day's orders whatever the hour of the run (its worst case, late in the evening). The
seeded orders have no ledger entries, shifts or pickup tokens (the console's list, export and
figures do not read them)."""

import psycopg

CHAIN_CODE = "benchconsole"
STATIONS = 100
ATTENDANTS = 2  # per station
FUELS = [  # code, name, kind, list price fen/L, member price, nozzles
    ("92", "92#汽油", "gasoline", 768, 748, 4),
    ("95", "95#汽油", "gasoline", 821, 801, 3),
    ("98", "98#汽油", "gasoline", 929, 909, 1),
    ("0", "0#柴油", "diesel", 745, 725, 2),
]
CHUNK_DAYS = 30
# Local hours of the day, weighted: quiet nights, the morning and the evening rushes.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 9, 7, 6, 6, 6, 5, 5, 6, 7, 9, 9, 7, 5, 4, 2, 1]

CHAIN = """
INSERT INTO chain (code, name, catalogue_version, created_at, tier_metric, tier_window_days)
VALUES (%(chain)s, '云岭加油（控制台压测）', 1, now() - interval '400 days', 'spend', 365)
"""
STATIONS_SQL = """
INSERT INTO station (chain_id, code, name, city, address, phone, lat, lng, services, is_active,
                     created_at, fill_up_cap_fen, max_order_fen, refund_approval_threshold_fen)
SELECT c.id, 'YN' || lpad(n::text, 3, '0'), '云岭加油' || n || '号站', '昆明',
       '昆明市第' || n || '公路1号', '0871-6' || lpad(n::text, 6, '0'),
       25 + n / 1000.0, 102.7 + n / 1000.0, '["便利店"]', true,
       now() - interval '400 days', 50000, 200000, 20000
FROM chain c, generate_series(1, %(stations)s::int) n WHERE c.code = %(chain)s ORDER BY n
"""


def seed(url: str, orders: int, password_hash: str, log=print) -> None:
    """Everything, into an empty migrated database; then VACUUM ANALYZE, as autovacuum would."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT setseed(0.13)")
        conn.execute(CHAIN, {"chain": CHAIN_CODE})
        conn.execute(STATIONS_SQL, {"chain": CHAIN_CODE, "stations": STATIONS})
        chain_id = conn.execute("SELECT id FROM chain WHERE code = %s", [CHAIN_CODE]).fetchone()[0]
        _catalogue(conn, chain_id)
        _people(conn, chain_id, orders, password_hash)
        _slots(conn)
        conn.commit()
        days, done = 365, 0
        indexes = _drop_indexes(conn)
        for start in range(days, 0, -CHUNK_DAYS):  # oldest chunk first
            length = min(CHUNK_DAYS, start)
            count = round(orders * length / days)
            if start - length == 0:
                count = orders - done
            _orders(conn, chain_id, done + 1, done + count, start, length)
            conn.commit()
            done += count
            log(f"  {done:,} orders", flush=True)
        log("  indexing ...", flush=True)
        for definition in indexes:
            conn.execute(definition)
        _refunds(conn, chain_id)
        conn.execute(
            "CREATE TABLE bench_seed (orders integer, seeded_at timestamptz DEFAULT now())"
        )
        conn.execute("INSERT INTO bench_seed (orders) VALUES (%s)", [orders])
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _drop_indexes(conn) -> list[str]:
    """fuel_order's plain indexes, dropped for the load (building each once afterwards is
    several times faster than keeping it up to date row by row); their definitions."""
    found = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'fuel_order' "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
    ).fetchall()
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def _catalogue(conn, chain_id: int) -> None:
    for sort, (code, name, kind, list_fen, member_fen, nozzles) in enumerate(FUELS):
        fuel_id = conn.execute(
            "INSERT INTO fuel (chain_id, code, name, kind, sort_order) VALUES (%s, %s, %s, %s, %s)"
            " RETURNING id",
            [chain_id, code, name, kind, sort],
        ).fetchone()[0]
        first = 1 + sum(f[5] for f in FUELS[:sort])
        values = {"chain": chain_id, "fuel": fuel_id, "list": list_fen, "member": member_fen}
        conn.execute(
            "INSERT INTO station_fuel (chain_id, station_id, fuel_id, enabled) "
            "SELECT %(chain)s, id, %(fuel)s, true FROM station WHERE chain_id = %(chain)s",
            values,
        )
        conn.execute(
            "INSERT INTO fuel_price (chain_id, station_id, fuel_id, list_price_fen, "
            "member_price_fen, effective_at, created_at) SELECT %(chain)s, id, %(fuel)s, "
            "%(list)s, %(member)s, now() - interval '400 days', now() - interval '400 days' "
            "FROM station WHERE chain_id = %(chain)s",
            values,
        )
        conn.execute(
            "INSERT INTO nozzle (chain_id, station_id, number, fuel_id, enabled) "
            "SELECT %(chain)s, s.id, n, %(fuel)s, true FROM station s, "
            "generate_series(%(first)s::int, %(last)s::int) n WHERE s.chain_id = %(chain)s",
            {**values, "first": first, "last": first + nozzles - 1},
        )
    conn.execute(
        "INSERT INTO station_hours (chain_id, station_id, weekday, opens_min, closes_min) "
        "SELECT %s, s.id, d, 0, 1440 FROM station s, generate_series(0, 6) d "
        "WHERE s.chain_id = %s",
        [chain_id, chain_id],
    )


def _people(conn, chain_id: int, orders: int, password_hash: str) -> None:
    """Members (one for every ten orders, nine in ten with a phone), the attendants of each
    station, bench_manager (manager of station YN001) and bench_admin (head office)."""
    members = max(100, orders // 10)
    conn.execute(
        "INSERT INTO member (chain_id, openid, nickname, phone, created_at) "
        "SELECT %s, 'bench-' || n, '车主' || n, "
        "CASE WHEN n %% 10 = 0 THEN '' ELSE '13' || lpad(n::text, 9, '0') END, "
        "now() - interval '400 days' FROM generate_series(1, %s::int) n ORDER BY n",
        [chain_id, members],
    )
    staff = (
        "INSERT INTO staff (chain_id, username, display_name, phone, role, password_hash, "
        "is_enabled, must_change_password, login_epoch, created_at, pin_failures) "
        "SELECT %(chain)s, {username}, {name}, '', %(role)s, %(hash)s, true, false, 0, "
        "now() - interval '400 days', 0 FROM {source}"
    )
    values = {"chain": chain_id, "hash": password_hash}
    conn.execute(
        staff.format(
            username="'att' || s.code || '-' || k",
            name="'加油员' || s.code || '-' || k",
            source=f"station s, generate_series(1, {ATTENDANTS}) k ORDER BY s.id, k",
        ),
        {**values, "role": "attendant"},
    )
    for username, role in (("bench_manager", "manager"), ("bench_admin", "chain_admin")):
        conn.execute(
            staff.format(username="%(username)s", name="%(username)s", source="(SELECT 1) one"),
            {**values, "role": role, "username": username},
        )
    conn.execute(
        "INSERT INTO staff_station (chain_id, staff_id, station_id) "
        "SELECT %(chain)s, st.id, s.id FROM staff st JOIN station s "
        "ON s.code = substr(st.username, 4, 5) WHERE st.role = 'attendant' "
        "UNION ALL SELECT %(chain)s, st.id, s.id FROM staff st, station s "
        "WHERE st.username = 'bench_manager' AND s.code = 'YN001'",
        values,
    )


def _slots(conn) -> None:
    """What an order at station number n of fuel number f refers to, in one small table."""
    conn.execute(
        """
        CREATE TEMP TABLE bench_slot AS
        SELECT dense_rank() OVER (ORDER BY s.code)::int AS station_no, s.id AS station_id,
               f.sort_order + 1 AS fuel_no, f.id AS fuel_id, p.id AS price_id,
               p.list_price_fen, p.member_price_fen,
               (SELECT array_agg(n.id ORDER BY n.number) FROM nozzle n
                WHERE n.station_id = s.id AND n.fuel_id = f.id) AS nozzles,
               (SELECT array_agg(a.staff_id ORDER BY a.staff_id) FROM staff_station a
                JOIN staff t ON t.id = a.staff_id AND t.role = 'attendant'
                WHERE a.station_id = s.id) AS attendants,
               (SELECT min(id) FROM member) AS first_member,
               (SELECT count(*) FROM member)::int AS members
        FROM station s JOIN fuel_price p ON p.station_id = s.id JOIN fuel f ON f.id = p.fuel_id
        """
    )
    conn.execute("ANALYZE bench_slot")


ORDERS = """
WITH raw AS (
  SELECT g,
         1 + floor(%(stations)s * power(random(), 2))::int AS station_no,
         random() AS r_fuel, random() AS r_nozzle, random() AS r_member, random() AS r_channel,
         random() AS r_method, random() AS r_status, random() AS r_mode, random() AS r_amount,
         random() AS r_dispense, random() AS r_refund, random() AS r_att, random() AS r_plate,
         (date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai')
           - make_interval(days => %(start)s - 1 - floor(random() * %(length)s)::int)
           + make_interval(hours => (%(hours)s::int[])[1 + floor(random() * %(slots)s)::int])
           + make_interval(secs => floor(random() * 3600)::int))
           AT TIME ZONE 'Asia/Shanghai' AS t
  FROM generate_series(%(lo)s::int, %(hi)s::int) g
), o AS (
  SELECT r.*, s.*,
         r.t AS created,
         CASE WHEN r_channel < 0.8 THEN 'online' ELSE 'counter' END AS channel,
         CASE WHEN r_channel < 0.8 AND r_method < 0.65 THEN 'wechat' ELSE 'wallet' END AS method,
         CASE WHEN r_mode < 0.7 THEN 'amount' WHEN r_mode < 0.8 THEN 'volume' ELSE 'fill_up' END
           AS mode,
         s.first_member + floor(s.members * power(r_member, 1.5))::int AS member_id
  FROM raw r JOIN bench_slot s ON s.station_no = r.station_no AND s.fuel_no =
    CASE WHEN r_fuel < 0.55 THEN 1 WHEN r_fuel < 0.85 THEN 2 WHEN r_fuel < 0.9 THEN 3 ELSE 4 END
), priced AS (
  SELECT o.*,
         CASE WHEN method = 'wallet' THEN member_price_fen ELSE list_price_fen END AS unit_fen,
         CASE WHEN mode = 'fill_up' THEN 50000 ELSE (5 + floor(r_amount * 40)::int) * 1000 END
           AS amount,
         CASE WHEN created BETWEEN now() - interval '15 minutes' AND now()
                THEN (ARRAY['created', 'paid', 'fueled'])[1 + floor(r_status * 3)::int]
              WHEN r_status < 0.94 THEN 'settled' WHEN r_status < 0.97 THEN 'cancelled'
              ELSE 'expired' END AS status
  FROM o
), done AS (
  SELECT p.*,
         CASE WHEN status IN ('paid', 'fueled', 'settled') OR (status = 'cancelled'
              AND r_dispense < 0.66) THEN amount ELSE 0 END AS paid,
         CASE WHEN status NOT IN ('fueled', 'settled') THEN NULL
              WHEN mode = 'amount' AND r_dispense < 0.85 THEN amount
              ELSE floor(amount * (0.4 + r_dispense * 0.55))::int END AS dispensed
  FROM priced p
)
INSERT INTO fuel_order (
  chain_id, station_id, member_id, order_no, fuel_id, nozzle_id, plate, mode, channel,
  preset_amount_fen, preset_volume_ml, price_id, list_price_fen, unit_price_fen,
  member_price_applied, amount_fen, status, payment_method, paid_fen, refunded_fen,
  dispensed_ml, dispensed_fen, created_at, expires_at, paid_at, fueled_at, fueled_by_id,
  settled_at, cancelled_at)
SELECT %(chain)s, station_id, member_id,
       'JY' || to_char(created AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDDHH24MISS')
         || lpad(g::text, 8, '0'),
       fuel_id, nozzles[1 + floor(r_nozzle * cardinality(nozzles))::int],
       CASE WHEN r_plate < (CASE WHEN channel = 'online' THEN 0.85 ELSE 0.5 END)
            THEN '云' || chr(65 + member_id %% 20) || lpad((member_id * 7919 %% 100000)::text,
                 5, '0') END,
       mode, channel,
       CASE WHEN mode = 'amount' THEN amount END,
       CASE WHEN mode = 'volume' THEN amount * 1000 / unit_fen END,
       price_id, list_price_fen, unit_fen, method = 'wallet', amount, status,
       CASE WHEN paid > 0 THEN method END, paid,
       CASE WHEN status = 'cancelled' THEN paid
            WHEN status = 'settled' AND dispensed < paid THEN paid - dispensed
            WHEN status = 'settled' AND r_refund < 0.005 THEN paid / 10 ELSE 0 END,
       dispensed * 1000 / unit_fen, dispensed,
       created, created + interval '15 minutes',
       CASE WHEN paid > 0 THEN created + interval '40 seconds' END,
       CASE WHEN dispensed IS NOT NULL THEN created + interval '5 minutes' END,
       CASE WHEN dispensed IS NOT NULL
            THEN attendants[1 + floor(r_att * cardinality(attendants))::int] END,
       CASE WHEN status = 'settled' THEN created + interval '5 minutes 3 seconds' END,
       CASE WHEN status = 'cancelled' THEN created + interval '3 minutes' END
FROM done ORDER BY created
"""


def _orders(conn, chain_id: int, lo: int, hi: int, start: int, length: int) -> None:
    """Orders lo..hi, on the local days from `start` days ago, `length` days long."""
    hours = [h for h, weight in enumerate(HOUR_WEIGHTS) for _ in range(weight)]
    conn.execute(
        ORDERS,
        {
            "chain": chain_id,
            "stations": STATIONS,
            "lo": lo,
            "hi": hi,
            "start": start,
            "length": length,
            "hours": hours,
            "slots": len(hours),
        },
    )


REFUNDS = """
INSERT INTO refund (chain_id, station_id, order_id, out_refund_no, method, kind, amount_fen,
                    status, reason, attempts, last_error, created_at, finished_at)
SELECT chain_id, station_id, id, 'RF' || order_no, payment_method,
       CASE WHEN status = 'cancelled' THEN 'cancel'
            WHEN dispensed_fen < paid_fen THEN 'settlement' ELSE 'manual' END,
       refunded_fen, 'SUCCESS',
       CASE WHEN status = 'cancelled' THEN '取消订单'
            WHEN dispensed_fen < paid_fen THEN '加油差额' ELSE '油品投诉' END,
       1, '', coalesce(settled_at, cancelled_at), coalesce(settled_at, cancelled_at)
         + interval '2 seconds'
FROM fuel_order WHERE chain_id = %s AND refunded_fen > 0 ORDER BY id
"""


def _refunds(conn, chain_id: int) -> None:
    conn.execute(REFUNDS, [chain_id])
