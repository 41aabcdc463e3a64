"""Run an app's CLI commands in tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from click.testing import CliRunner, Result

from ..cli import ScriptInfo

if TYPE_CHECKING:
    from ..app import Erlen

__all__ = ["ErlenCliRunner"]


class ErlenCliRunner(CliRunner):
    """A :class:`click.testing.CliRunner` that runs an app's CLI commands.

    ``app.test_cli_runner()`` makes one::

        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0
    """

    def __init__(self, app: Erlen, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: Any = None, args: Any = None, **kwargs: Any
    ) -> Result:
        """Invoke ``cli`` (the app's ``app.cli`` group by default) with ``args``.

        Unless ``obj`` is given, the commands get a
        :class:`~erlen.cli.ScriptInfo` that loads this app, so
        ``with_appcontext`` commands (and ``erlen`` built-ins) find it.
        """
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            app = self.app
            kwargs["obj"] = ScriptInfo(create_app=lambda: app)
        return super().invoke(cli, args, **kwargs)
