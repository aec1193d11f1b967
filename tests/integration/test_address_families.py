"""Each address family of a server, probed for real on ::1 and 127.0.0.1 with the same port:
what every address did, whichever family answers first, and the check of the other family
stopped with the run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from smtpwizard.core.diagnosis.findings import explain
from smtpwizard.core.diagnosis.network import families
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Outcome
from smtpwizard.core.model import ProbeResult
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.net.address import parse_email
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.resolve import StaticResolver
from smtpwizard.core.probe.matrix import Prober
from smtpwizard.core.probe.options import ProbeOptions
from tests.conftest import PASSWORD
from tests.conftest import USER

HOST = "mail.example.test"


def run(
    ca_file: Path,
    port: int,
    order: list[str],
    cancel: CancelToken | None = None,
    timeout: float = 1,
) -> ProbeResult:
    prober = Prober(
        ProbeOptions(timeout=timeout, cafile=str(ca_file)), resolver=StaticResolver({HOST: order})
    )
    matrix = prober.run(
        parse_email(USER), [Candidate(HOST, port, Security.TLS)], password=PASSWORD, cancel=cancel
    )
    (result,) = matrix.results
    return result


@pytest.mark.parametrize("order", [["::1", "127.0.0.1"], ["127.0.0.1", "::1"]], ids=["6-4", "4-6"])
@pytest.mark.parametrize("kind", ["blocked", "refused"])
def test_the_other_family_is_checked_whichever_answers_first(
    same_port: Callable[[str | None, str, str], int], ca_file: Path, order: list[str], kind: str
) -> None:
    port = same_port("::1", "127.0.0.1", kind)
    result = run(ca_file, port, order)
    assert result.outcome is Outcome.OK
    assert result.connected_to == "::1"
    by_family = {a.family: a for a in result.address_results}
    assert by_family["IPv6"].used
    assert by_family["IPv6"].connected
    v4 = by_family["IPv4"]
    assert not v4.used
    assert not v4.connected
    assert v4.reason is (Reason.CONNECT_TIMEOUT if kind == "blocked" else Reason.CONNECTION_REFUSED)
    assert families(result) == {"IPv6": "ok", "IPv4": "timeout" if kind == "blocked" else "refused"}
    word = "blocked" if kind == "blocked" else "refused"
    assert explain(result).headline.endswith(f"works over IPv6, {word} over IPv4")


def test_families_failing_differently_are_both_recorded(
    same_port: Callable[[str | None, str, str], int], ca_file: Path
) -> None:
    port = same_port(None, "127.0.0.1", "blocked")
    result = run(ca_file, port, ["::1", "127.0.0.1"])
    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.CONNECTION_REFUSED)
    assert families(result) == {"IPv6": "refused", "IPv4": "timeout"}
    explanation = explain(result).explanation
    assert "Over IPv6 (::1) the server refused the connection" in explanation
    assert "Over IPv4 (127.0.0.1) nothing answered in time" in explanation


def test_the_check_of_the_other_family_stops_with_the_run(
    same_port: Callable[[str | None, str, str], int], ca_file: Path
) -> None:
    port = same_port("::1", "127.0.0.1", "blocked")
    with CancelToken() as cancel:
        threading.Timer(0.5, cancel.cancel).start()  # long before the 60 seconds run out
        result = run(ca_file, port, ["::1", "127.0.0.1"], cancel=cancel, timeout=60)
    v4 = next(a for a in result.address_results if a.family == "IPv4")
    assert (v4.connected, v4.reason, v4.detail) == (False, None, "stopped before it ended")
    assert families(result)["IPv4"] == "cancelled"


def test_a_family_that_answers_too_needs_no_words(
    same_port: Callable[[str | None, str, str], int], ca_file: Path
) -> None:
    port = same_port("::1", "127.0.0.1", "answers")
    result = run(ca_file, port, ["::1", "127.0.0.1"])
    assert result.outcome is Outcome.OK
    assert families(result) == {"IPv6": "ok", "IPv4": "connected"}
    assert explain(result).headline == f"{HOST} port {port} works"
