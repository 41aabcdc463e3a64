"""Parity: custom CLI commands run through app.test_cli_runner()."""

from __future__ import annotations

import click
from parity_harness import ERLEN, FLASK, call, compare, make_app


def _fw(app):
    return ERLEN if type(app).__module__.startswith("erlen") else FLASK


def build_cli(fw):
    app = make_app(fw)
    app.config["GREETING"] = "Hello"

    @app.cli.command("greet")
    @click.option("--name", default="world")
    @click.argument("times", type=int, default=1)
    def greet(name, times):
        """Greet someone."""
        for _ in range(times):
            click.echo(f"{fw.current_app.config['GREETING']}, {name}!")

    @app.cli.command()
    def init_db():
        """Create the tables."""
        click.echo(f"init in app context: {fw.has_app_context()}")

    @app.cli.command("fail")
    def fail():
        raise click.ClickException("it failed")

    users = fw.cli.AppGroup("users", help="Manage users.")

    @users.command("add")
    @click.argument("username")
    def add_user(username):
        click.echo(f"added {username} to {fw.current_app.name == app.name}")

    app.cli.add_command(users)

    raw = click.Group("raw")

    @raw.command("plain")
    def raw_plain():
        click.echo(f"plain click command, app context: {fw.has_app_context()}")

    @raw.command("ctx")
    @fw.cli.with_appcontext
    def raw_ctx():
        click.echo(f"with_appcontext: {fw.current_app.name == app.name}")

    app.cli.add_command(raw)

    bp = fw.Blueprint("admin", __name__, cli_group="admin")

    @bp.cli.command("stats")
    def stats():
        click.echo("admin stats")

    plain = fw.Blueprint("plain", __name__, cli_group=None)

    @plain.cli.command("top-level")
    def top_level():
        click.echo("top level from blueprint")

    app.register_blueprint(bp)
    app.register_blueprint(plain)
    return app


def _invoke(*args):
    def action(client, app):
        result = app.test_cli_runner().invoke(args=list(args))
        return [result.exit_code, result.output]

    action.__name__ = "cli " + " ".join(args)
    return action


def test_custom_commands(protocol):
    compare(
        build_cli,
        [
            call(_invoke("greet")),
            call(_invoke("greet", "--name", "ada", "2")),
            call(_invoke("greet", "notanumber")),
            call(_invoke("init-db")),
            call(_invoke("fail")),
            call(_invoke("users", "add", "bo")),
            call(_invoke("raw", "plain")),
            call(_invoke("raw", "ctx")),
            call(_invoke("admin", "stats")),
            call(_invoke("top-level")),
        ],
        protocol,
    )


def test_invoke_a_command_object(protocol):
    def direct(client, app):
        @click.command()
        @click.option("--flag", is_flag=True)
        def standalone(flag):
            click.echo(f"flag={flag}")

        result = app.test_cli_runner().invoke(standalone, ["--flag"])
        return [result.exit_code, result.output]

    compare(build_cli, [call(direct)], protocol)
