"""The Jiayou service: create_app builds one app with the driver API, console and sandbox."""

import os

from flask import Flask, redirect, send_from_directory, url_for
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from app import database, logs
from app.config import Config
from app.extensions import csrf, db, limiter, login_manager, migrate


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    """The app; its instance folder (demo secrets, sandbox keys, the demo's SQLite file) is
    instance_path, else INSTANCE_PATH, else instance/ next to wsgi.py."""
    instance_path = instance_path or os.environ.get("INSTANCE_PATH") or None
    if instance_path:
        instance_path = os.path.abspath(instance_path)
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(Config(app.instance_path, overrides).as_dict())
    logs.configure(app.config["LOG_LEVEL"])
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table known to SQLAlchemy and Alembic)

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "console.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "basic"
    from app.services.staff import passwords

    login_manager.user_loader(passwords.load_session_user)


def register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.attendant import bp as attendant_bp
    from app.console import bp as console_bp
    from app.invoice_request import bp as invoice_bp
    from app.pwa import bp as pwa_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(attendant_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(invoice_bp)
    if app.config["SANDBOX"]:
        from app.sandbox import bp as sandbox_bp

        app.register_blueprint(sandbox_bp)

    @app.get("/")
    def index():
        return redirect(url_for("console.home"))

    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(
            app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
        )

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}


def register_errorhandlers(app: Flask) -> None:
    from app import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from app import cli, jobs  # jobs: registers the job handlers

    cli.init_app(app)
    if app.config["JOBS_MODE"] == "inline":

        @app.before_request
        def start_jobs():
            jobs.start_inline_runner(app)
