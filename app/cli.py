"""flask commands: seed-demo, create-admin, ledger check, jobs run-due and status, worker."""

import click
from flask import Flask, current_app

from app import demo_data
from app.services.catalogue import setup
from app.services.platform.errors import Invalid


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(ledger_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(worker)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo chain, stations, prices, staff, drivers and a week of trading (once)."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("seed-demo is for the demo only, not for production")
    created, logins = demo_data.load(current_app.config["WECHAT_APPID"])
    click.echo("演示数据已加载。" if created else "演示数据已存在，未重复加载。")
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"控制台 {base}/console/  演示密码（所有账号）: {demo_data.DEMO_PASSWORD}")
    for username, role, stations in logins:
        click.echo(f"  {username:<18} {role:<6} {stations}")


@click.command("create-admin")
@click.option("--username", required=True, help="login name of the chain admin")
@click.option("--name", "display_name", default="", help="display name")
@click.option("--chain-code", required=True, help="short code of the chain, e.g. yunling")
@click.option("--chain-name", default="", help="name of the chain, needed when it is new")
@click.password_option(help="prompted for when not given")
def create_admin(
    username: str, display_name: str, chain_code: str, chain_name: str, password: str
) -> None:
    """Create a chain admin (and the chain with its standard fuels if it is new)."""
    chain = setup.ensure_chain(
        chain_code, chain_name or chain_code, current_app.config["WECHAT_APPID"] or None
    )
    try:
        admin = setup.create_admin(chain, username, display_name, password)
    except Invalid as err:
        raise click.ClickException(err.message) from None
    click.echo(f"created chain admin {admin.username} for chain {chain.code}")


@click.group("ledger")
def ledger_group() -> None:
    """The money ledger."""


@ledger_group.command("check")
def ledger_check() -> None:
    """Recompute wallets and orders from the ledger entries; exit 1 with a report if off."""
    from app.services import ledger

    problems = ledger.check()
    if problems:
        for line in problems:
            click.echo(line, err=True)
        raise click.ClickException(f"ledger check failed: {len(problems)} problem(s)")
    click.echo("ledger check ok: every transaction balances, wallets and orders agree")


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs of the outbox."""


@jobs_group.command("run-due")
def jobs_run_due() -> None:
    """Run every job that is due now, here, once."""
    from app.services.platform import outbox

    outbox.sweep_stuck()
    click.echo(f"ran {outbox.run_due(limit=1000)} job(s)")


@jobs_group.command("status")
@click.option("--max-late", default=120, show_default=True, help="seconds a job may be late")
def jobs_status(max_late: int) -> None:
    """Jobs by status and how late the latest is; exit 1 if later than --max-late (monitoring)."""
    from app.services.platform import outbox

    counts, late = outbox.backlog()
    click.echo(" ".join(f"{status}={n}" for status, n in sorted(counts.items())) or "no jobs")
    click.echo(f"latest job not done is {late.total_seconds():.0f} s late")
    if late.total_seconds() > max_late:
        raise click.ClickException(f"a job is more than {max_late} s late: are the workers up?")


@click.command("worker")
def worker() -> None:
    """Production: relay due outbox jobs into Redis and run them (RQ); run several of these."""
    from app import jobs

    jobs.run_worker(current_app._get_current_object())
