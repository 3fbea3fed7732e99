"""What the order-flow benchmark measures beside the flows (CPU of each side, the machine's load)
and how it prints them: per level and flow, then both flows side by side."""

import os
import resource
from pathlib import Path

import psycopg

from bench.flow_load import FLOWS

CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_FLOWS, TARGET_RATIO = 200, 0.30

# --- CPU used by each side while measuring (the machine has 2 cores for everything) ------------


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def cpu_snapshot(server_pid: int, worker_pids: list[int], db_url: str) -> dict[str, float]:
    database = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url, autocommit=True) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "gunicorn": sum(cpu_seconds(p) for p in [server_pid, *children(server_pid)]),
        "jobs": sum(cpu_seconds(p) for p in worker_pids),
        "postgres": sum(cpu_seconds(pid) for (pid,) in backends),
        "client": own.ru_utime + own.ru_stime,
        "machine": machine_busy_seconds(),
    }


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all processes, all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def cpu_share(before: dict, after: dict, seconds: float) -> dict[str, float]:
    """Per side: cores used on average over the window (2.0 = the whole machine); 'others' is
    everything else busy on the machine meanwhile (other test runs, PostgreSQL's own workers)."""
    used = {k: (after[k] - before[k]) / seconds for k in before}
    machine = used.pop("machine")
    used["others"] = max(0.0, machine - sum(used.values()))
    return used


# --- printing ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ceiling(floor: float, pgbench_tps: float) -> float:
    """Both sides share the 2 cores: a flow costs at least the bare HTTP of its requests plus
    pgbench's SQL, so their costs per flow add up."""
    return 1 / (1 / floor + 1 / pgbench_tps) if floor and pgbench_tps else 0.0


def report(results: dict, args, writes: dict[str, int], checks: list[str]) -> None:
    """results: (clients, flow) -> what run() measured."""
    print(f"\n{args.seconds} s per level and flow after {args.warmup} s of warm-up. Flows:")
    print("  two-step: place, pay (wallet), attendant lookup, attendant confirm with a smaller")
    print("            volume; one-call: place and pay (pay_with=wallet), lookup, confirm.")
    print("  The settlement job with its wallet refund runs in the background.")
    print(
        "pgbench runs each flow's write transactions as plain SQL on copies of the same tables, "
        "one pgbench\ntransaction = one flow: the driver writes (each with its Idempotency-Key "
        "claim and stored answer),\nconfirm, and the outbox's claim and settle-and-done (the "
        "relay to RQ queues all due jobs once a\nsecond): "
        + ", ".join(f"{flow} {n}" for flow, n in writes.items())
        + " write transactions."
    )
    summary = []
    for (clients, flow), r in results.items():
        stats, pg = r["stats"], r["pgbench"]
        flows = stats.flows / args.seconds
        print(f"\n{clients} concurrent drivers, {flow}   (load average {r['load']})")
        print(f"  {'step':<10}{'p50 ms':>10}{'p99 ms':>10}{'count':>8}")
        for step in FLOWS[flow]:
            values = stats.latency_ms[step]
            p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
            print(f"  {step:<10}{p50:>10.1f}{p99:>10.1f}{len(values):>8}")
        print(
            f"  complete flows: {flows:.1f}/s; settled in the window: "
            f"{r['settled'] / args.seconds:.1f}/s"
        )
        print(
            f"  settlement backlog when the load stopped: {r['backlog']} orders, "
            f"drained in {r['drained_s']:.1f} s"
        )
        errors = ", ".join(f"{s} {c}: {n}" for (s, c), n in stats.errors.items()) or "none"
        print(f"  errors: {errors}")
        for sample in stats.samples[:3]:
            print(f"    e.g. {sample[:300]}")
        cores = r["cpu"]
        print(
            "  CPU cores used while measuring: "
            + ", ".join(f"{k} {v:.2f}" for k, v in cores.items())
        )
        if flows:
            per_flow = ", ".join(
                f"{k} {cores[k] * 1000 / flows:.1f}" for k in ("gunicorn", "jobs", "postgres")
            )
            print(f"  CPU ms per flow: {per_flow}")
        print(
            f"  pgbench, the flow's {writes[flow]} write transactions, {clients} clients: "
            f"{pg['tps']:.1f} flows/s ({pg['tps'] * writes[flow]:.0f} commits/s, "
            f"{pg['latency_ms']:.1f} ms per flow, {pg['failed']} failed; load {r['pgbench_load']})"
        )
        ratio = flows / pg["tps"] if pg["tps"] else float("nan")
        met = flows >= TARGET_FLOWS and ratio >= TARGET_RATIO
        print(
            f"  target >= {TARGET_FLOWS} flows/s and >= {TARGET_RATIO:.2f} of pgbench: "
            f"{flows:.1f}/s, ratio {ratio:.2f} -> {'met' if met else 'NOT met'}"
        )
        top = ceiling(r["floor"], pg["tps"])
        steps = len(FLOWS[flow])
        print(
            f"  floor: the same server and client doing {steps} x GET /healthz per flow (no work "
            f"but one SELECT 1 each): {r['floor']:.1f} flows/s.\n  An app doing no work beyond "
            f"pgbench's SQL could reach at most 1 / (1/floor + 1/pgbench) = {top:.1f} "
            f"flows/s, ratio {top / pg['tps'] if pg['tps'] else 0:.2f}; this app reaches "
            f"{flows / top if top else 0:.0%} of that."
        )
        summary.append((clients, flow, flows, pg["tps"], ratio, r["floor"], top))
    print("\nSide by side (flows/s):")
    print(
        f"  {'drivers':>7}  {'flow':<9}{'app':>8}{'pgbench':>9}{'ratio':>7}{'floor':>8}"
        f"{'ceiling':>9}{'of it':>7}"
    )
    for clients, flow, flows, tps, ratio, floor, top in summary:
        share = flows / top if top else 0
        print(
            f"  {clients:>7}  {flow:<9}{flows:>8.1f}{tps:>9.1f}{ratio:>7.2f}{floor:>8.1f}"
            f"{top:>9.1f}{share:>7.0%}"
        )
    print("\nAfter the run:")
    for line in checks:
        print(f"  {line}")
