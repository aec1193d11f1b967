"""Plays the person's web browser in sign-in tests: ``$BROWSER`` runs this script with the
sign-in page's address, as a desktop runs the real browser.

It opens the page (trusting the test CA named by ``SMTPWIZARD_TEST_CA``), where the test
server has already decided what the person does, and follows the server's redirect to the
app's listener on 127.0.0.1, as a browser does. Each address it is given is added to the file
named by ``SMTPWIZARD_TEST_BROWSER_LOG``, so a test can tell whether a browser was opened.
"""

from __future__ import annotations

import os
import ssl
import sys
import urllib.error
import urllib.request


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the redirect is followed by hand, to the loopback listener


def main(url: str) -> int:
    log = os.environ.get("SMTPWIZARD_TEST_BROWSER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(url + "\n")
    visit(url, os.environ.get("SMTPWIZARD_TEST_CA"))
    return 0


def visit(url: str, cafile: str | None) -> None:
    """Opens the sign-in page and follows its redirect, as the person's browser does."""
    context = ssl.create_default_context(cafile=cafile)
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context), _Stay
    )
    try:
        opener.open(url, timeout=10)
        return  # the page answered without a redirect (an error page): the person stops
    except urllib.error.HTTPError as exc:
        location = exc.headers.get("Location")
        if exc.code not in (301, 302, 303, 307) or not location:
            return
    plain = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with plain.open(location, timeout=10) as page:
        page.read()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
