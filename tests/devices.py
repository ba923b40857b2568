"""Browser contexts as separate devices (a console, a projector, phones), each page's errors
kept: uncaught exceptions and anything the page's Content-Security-Policy refuses."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize


class Devices:
    """Browser contexts, each a separate device; every page's errors kept."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def open(self, name: str, viewport: ViewportSize, *, phone: bool = False) -> Page:
        context = self.browser.new_context(
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=2 if phone else 1,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        # A style or script the page's CSP refuses (an inline style attribute, say) is an error.
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"{name}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
