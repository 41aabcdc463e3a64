"""Jinja2 set up the way frameworks without their own template layer use it."""

from __future__ import annotations

import jinja2

from ..fixtures import TEMPLATE_ITEMS, TEMPLATE_NAME, TEMPLATE_SOURCE, TEMPLATE_TITLE, Fixtures


class Templates:
    """A cached file template, and string templates compiled per call."""

    __slots__ = ("env", "template")

    def __init__(self, fx: Fixtures, *, enable_async: bool = False) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(fx.template_dir)),
            autoescape=jinja2.select_autoescape(),
            enable_async=enable_async,
        )
        self.template = self.env.get_template(TEMPLATE_NAME)

    def page(self) -> str:
        """The items page from the template file."""
        return self.template.render(title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS)

    def page_from_string(self) -> str:
        """The items page, compiling the template source first (as render_template_string)."""
        template = self.env.from_string(TEMPLATE_SOURCE)
        return template.render(title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS)

    async def page_async(self) -> str:
        """The items page, rendered with Jinja2's async API."""
        return await self.template.render_async(title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS)
