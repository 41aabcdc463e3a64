"""Class-based views and CLI commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, assert_type

import click

from erlen import Erlen, Response, abort, current_app, jsonify, request
from erlen.cli import AppGroup, with_appcontext
from erlen.testing import ErlenCliRunner
from erlen.typing import ResponseReturnValue, RouteCallable
from erlen.views import MethodView, View

app = Erlen(__name__)

ITEMS: dict[int, dict[str, Any]] = {}


def count_calls(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    def wrapper(**kwargs: Any) -> ResponseReturnValue:
        current_app.config["CALLS"] = current_app.config.get("CALLS", 0) + 1
        return view(**kwargs)

    return wrapper


class ItemAPI(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [count_calls]
    init_every_request = False

    def __init__(self, model: str) -> None:
        self.model = model

    def get(self, item_id: int | None = None) -> ResponseReturnValue:
        if item_id is None:
            return jsonify(list(ITEMS.values()))
        item = ITEMS.get(item_id) or abort(404)
        return jsonify(item)

    def post(self) -> tuple[Response, int]:
        data = request.get_json()
        item_id = max(ITEMS, default=0) + 1
        ITEMS[item_id] = {"id": item_id, "model": self.model, **data}
        return jsonify(ITEMS[item_id]), 201

    def delete(self, item_id: int) -> tuple[str, int]:
        ITEMS.pop(item_id, None)
        return "", 204

    async def patch(self, item_id: int) -> dict[str, Any]:
        item = ITEMS[item_id]
        item.update(request.get_json())
        return item


class ShowUsers(View):
    methods: ClassVar[list[str]] = ["GET"]

    def __init__(self, template: str) -> None:
        self.template = template

    def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        return f"{self.template}: {sorted(kwargs)}"


item_view = ItemAPI.as_view("items", "item")
assert_type(item_view, RouteCallable)
app.add_url_rule("/items/", view_func=item_view, methods=["GET", "POST"])
app.add_url_rule("/items/<int:item_id>", view_func=item_view, methods=["GET", "DELETE", "PATCH"])
app.add_url_rule("/users/", view_func=ShowUsers.as_view("users", template="users.html"))


@app.cli.command("init-db")
@click.option("--drop", is_flag=True, help="Drop existing tables first.")
def init_db(drop: bool) -> None:
    """Create the tables."""
    if drop:
        ITEMS.clear()
    click.echo(f"Initialised the database for {current_app.name}.")


@app.cli.command()
@click.argument("name")
def greet(name: str) -> None:
    click.echo(f"Hello, {name}!")


user_cli = AppGroup("user", help="Manage users.")


@user_cli.command("create")
@click.argument("name")
def create_user(name: str) -> None:
    click.echo(f"created {name}")


app.cli.add_command(user_cli)


@click.command("stats")
@with_appcontext
def stats() -> None:
    click.echo(f"{len(list(current_app.url_map.iter_rules()))} routes")


app.cli.add_command(stats)


def run_commands() -> list[str]:
    runner = app.test_cli_runner()
    assert_type(runner, ErlenCliRunner)
    first = runner.invoke(args=["init-db", "--drop"])
    second = runner.invoke(args=["greet", "ada"])
    third = runner.invoke(args=["user", "create", "bob"])
    assert_type(first.exit_code, int)
    return [first.output, second.output, third.output]
