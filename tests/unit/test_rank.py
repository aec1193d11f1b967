from __future__ import annotations

from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.probe.matrix import rank

TLS, STARTTLS, NONE = Security.TLS, Security.STARTTLS, Security.NONE


def ports(candidates: list[Candidate]) -> list[tuple[int, Security]]:
    return [(c.port, c.security) for c in candidates]


def test_encrypted_submission_first_then_alternates_then_25_then_plain() -> None:
    given = [
        Candidate("h", 25, STARTTLS),
        Candidate("h", 587, NONE),
        Candidate("h", 2525, STARTTLS),
        Candidate("h", 587, STARTTLS),
        Candidate("h", 465, TLS),
    ]
    assert ports(rank(given)) == [
        (465, TLS),
        (587, STARTTLS),
        (2525, STARTTLS),
        (25, STARTTLS),
        (587, NONE),
    ]


def test_the_persons_entry_comes_before_discovered_and_guessed() -> None:
    given = [
        Candidate("guess", 465, TLS, Source.GUESS),
        Candidate("found", 465, TLS, Source.SRV),
        Candidate("mine", 587, STARTTLS, Source.USER),
    ]
    assert [c.host for c in rank(given)] == ["mine", "found", "guess"]


def test_repeats_are_dropped_keeping_the_first_source() -> None:
    given = [
        Candidate("h", 465, TLS, Source.PROVIDER),
        Candidate("h", 465, TLS, Source.GUESS),
    ]
    [only] = rank(given)
    assert only.source is Source.PROVIDER


def test_order_is_deterministic_for_equal_ranks() -> None:
    given = [Candidate("h", p, STARTTLS) for p in (8025, 1025, 2526)]
    assert [c.port for c in rank(given)] == [8025, 1025, 2526]


def test_documented_candidates_keep_the_order_their_source_gives() -> None:
    given = [
        Candidate("smtp.sendgrid.net", 587, STARTTLS, Source.PROVIDER),
        Candidate("smtp.sendgrid.net", 465, TLS, Source.PROVIDER),
        Candidate("smtp.sendgrid.net", 2525, STARTTLS, Source.PROVIDER),
    ]
    assert [c.port for c in rank(given)] == [587, 465, 2525]
