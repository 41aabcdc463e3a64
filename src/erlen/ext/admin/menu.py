"""The admin's navigation menu: categories, views and links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erlen import url_for

if TYPE_CHECKING:
    from .base import BaseView


class BaseMenu:
    """An entry of the menu; categories hold children."""

    def __init__(
        self,
        name: str,
        class_name: str | None = None,
        icon_type: str | None = None,
        icon_value: str | None = None,
        target: str | None = None,
    ) -> None:
        self.name = name
        self.class_name = class_name or ""
        self.icon_type = icon_type
        self.icon_value = icon_value
        self.target = target
        self.parent: BaseMenu | None = None
        self._children: list[BaseMenu] = []

    def add_child(self, menu: BaseMenu) -> None:
        menu.parent = self
        self._children.append(menu)

    def get_url(self) -> str | None:
        return None

    def is_category(self) -> bool:
        return False

    def is_active(self, view: BaseView | None) -> bool:
        """True when ``view`` (the page being shown) is this entry or below it."""
        return any(child.is_active(view) for child in self._children)

    def is_visible(self) -> bool:
        return True

    def is_accessible(self) -> bool:
        return True

    def get_children(self) -> list[BaseMenu]:
        """The children the current user may see."""
        return [c for c in self._children if c.is_accessible() and c.is_visible()]


class MenuCategory(BaseMenu):
    """A drop-down grouping the views and links of one ``category``."""

    def is_category(self) -> bool:
        return True

    def is_visible(self) -> bool:
        # An empty drop-down (every child hidden or forbidden) is not shown.
        return bool(self.get_children())


class MenuView(BaseMenu):
    """The menu entry of an admin view: its name, linking to its default page."""

    def __init__(self, name: str, view: BaseView) -> None:
        super().__init__(
            name,
            class_name=view.menu_class_name,
            icon_type=view.menu_icon_type,
            icon_value=view.menu_icon_value,
        )
        self._view = view

    @property
    def view(self) -> BaseView:
        return self._view

    def get_url(self) -> str:
        return self._view.get_url(f".{self._view.default_view}")

    def is_active(self, view: BaseView | None) -> bool:
        return view is self._view or super().is_active(view)

    def is_visible(self) -> bool:
        return self._view.is_visible()

    def is_accessible(self) -> bool:
        return self._view.is_accessible()


class MenuLink(BaseMenu):
    """A link to any URL (or endpoint) in the admin's menu: ``admin.add_link(MenuLink(...))``."""

    def __init__(
        self,
        name: str,
        url: str | None = None,
        endpoint: str | None = None,
        category: str | None = None,
        class_name: str | None = None,
        icon_type: str | None = None,
        icon_value: str | None = None,
        target: str | None = None,
        **endpoint_values: Any,
    ) -> None:
        if url is None and endpoint is None:
            raise ValueError(f"MenuLink {name!r} needs a url or an endpoint.")
        super().__init__(name, class_name, icon_type, icon_value, target)
        self.url = url
        self.endpoint = endpoint
        self.category = category
        self.endpoint_values = endpoint_values

    def get_url(self) -> str:
        if self.url is not None:
            return self.url
        assert self.endpoint is not None
        return url_for(self.endpoint, **self.endpoint_values)
