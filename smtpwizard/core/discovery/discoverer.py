"""Where candidates come from: every plausible outgoing server for an address, with its source.

Sources, asked concurrently, each with its own time budget (a slow one never holds up the
others longer than that):

1. the provider knowledge base, by the address's domain and by the domain's MX hosts;
2. the domain's autoconfig document (https ``autoconfig.<domain>``, then
   ``<domain>/.well-known``; plain http only as a flagged last resort);
3. Thunderbird's central ISPDB (configurable, can be switched off), for the domain and for
   the MX hosts' domain;
4. Exchange Autodiscover (POX);
5. DNS SRV ``_submissions._tcp`` and ``_submission._tcp`` (and the IMAP/POP3 ones);
6. guesses (``smtp.``, ``mail.``, the domain itself), only where they resolve and only when
   nothing else named an outgoing server.

The results are merged in that order and de-duplicated, so the outcome is deterministic.
By default only the domain is sent to autoconfig servers and the ISPDB, never the address.
"""

from __future__ import annotations

import logging
import re
import ssl
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from dataclasses import replace
from typing import TypeVar

from smtpwizard.core.discovery.autoconfig import ClientConfig
from smtpwizard.core.discovery.autoconfig import Redirect
from smtpwizard.core.discovery.autoconfig import autodiscover_request
from smtpwizard.core.discovery.autoconfig import parse_autodiscover
from smtpwizard.core.discovery.autoconfig import parse_client_config
from smtpwizard.core.discovery.options import DiscoverySettings
from smtpwizard.core.discovery.providers import KnowledgeBase
from smtpwizard.core.discovery.providers import Provider
from smtpwizard.core.discovery.providers import load as load_knowledge_base
from smtpwizard.core.discovery.results import DiscoveryEvent
from smtpwizard.core.discovery.results import DiscoveryResult
from smtpwizard.core.discovery.results import Found
from smtpwizard.core.discovery.results import SourceFinished
from smtpwizard.core.discovery.results import SourceReport
from smtpwizard.core.discovery.results import SourceStarted
from smtpwizard.core.discovery.results import SourceStatus
from smtpwizard.core.discovery.signin import plan_sign_in
from smtpwizard.core.errors import Cancelled
from smtpwizard.core.errors import DnsError
from smtpwizard.core.errors import DocumentError
from smtpwizard.core.errors import FetchError
from smtpwizard.core.errors import InvalidInput
from smtpwizard.core.errors import ResolveError
from smtpwizard.core.i18n import _
from smtpwizard.core.login import fallback_usernames
from smtpwizard.core.model import DEFAULT_PORTS
from smtpwizard.core.model import INCOMING_PORTS
from smtpwizard.core.model import Candidate
from smtpwizard.core.model import Protocol
from smtpwizard.core.model import Reason
from smtpwizard.core.model import Security
from smtpwizard.core.model import Source
from smtpwizard.core.net.address import EmailAddress
from smtpwizard.core.net.address import check_host
from smtpwizard.core.net.channel import CancelToken
from smtpwizard.core.net.dns import DnsClient
from smtpwizard.core.net.dns import DnsResolver
from smtpwizard.core.net.fetch import FetchResult
from smtpwizard.core.net.fetch import FetchSettings
from smtpwizard.core.net.fetch import fetch
from smtpwizard.core.net.fetch import registered_domain
from smtpwizard.core.net.resolve import Resolver
from smtpwizard.core.net.resolve import SystemResolver
from smtpwizard.core.net.tls import make_tls_context

__all__ = ["Discoverer"]

log = logging.getLogger(__name__)

_CHOICE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")


_ORDER = ("provider", "mx", "autoconfig", "ispdb", "autodiscover", "srv", "guess")


class Discoverer:
    """Finds candidates for addresses.

    Args:
        settings: how to ask.
        knowledge: the provider knowledge base (default: the bundled one).
        dns: DNS client (default: from the settings).
        resolver: turns host names into addresses for fetching and guessing (default: the
            DNS client when nameservers are set, else the system's resolver).
        context: TLS context for HTTPS (default: system trust plus the settings' CA file).
        listener: told when a source starts and finishes (from worker threads).
    """

    def __init__(
        self,
        settings: DiscoverySettings | None = None,
        *,
        knowledge: KnowledgeBase | None = None,
        dns: DnsClient | None = None,
        resolver: Resolver | None = None,
        context: ssl.SSLContext | None = None,
        listener: Callable[[DiscoveryEvent], None] | None = None,
    ) -> None:
        self.settings = settings or DiscoverySettings()
        self.knowledge = knowledge or load_knowledge_base()
        self.dns = dns or DnsClient(self.settings.nameservers, self.settings.timeout)
        if resolver is None:
            resolver = DnsResolver(self.dns) if self.settings.nameservers else SystemResolver()
        self.resolver = resolver
        self._fetch_settings = FetchSettings(
            context=context or make_tls_context(self.settings.cafile),
            timeout=self.settings.timeout,
            https_port=self.settings.https_port,
            http_port=self.settings.http_port,
        )
        self._listener = listener

    def _emit(self, event: DiscoveryEvent) -> None:
        if self._listener is not None:
            try:
                self._listener(event)
            except Exception:  # a listener's bug must not break discovery
                log.exception("discovery event listener failed")

    # -- entry point -------------------------------------------------------------------------

    def run(
        self,
        email: EmailAddress,
        *,
        cancel: CancelToken | None = None,
        provider_id: str | None = None,
        choices: Mapping[str, str] | None = None,
    ) -> DiscoveryResult:
        """Asks every source for ``email`` and merges what they say.

        Args:
            email: the person's address.
            cancel: stops waiting; sources not finished are reported as skipped.
            provider_id: the person chose this provider (a sending service): use only it.
            choices: values for the chosen provider's variables (an SES region).
        """
        started = time.monotonic()
        if provider_id is not None:
            return self._chosen(email, provider_id, choices or {}, started)
        # Its own token, under the caller's: the sources still running when the time is up
        # are stopped with it (else their lookups go on, and the program cannot end until
        # they have).
        token = CancelToken(parent=cancel)
        tasks: dict[str, Callable[[], Found]] = {
            "provider": lambda: self._provider_by_domain(email),
            "mx": lambda: self._mx(email, token),
            "autoconfig": lambda: self._autoconfig(email, token),
            "ispdb": lambda: self._ispdb(email, email.ascii_domain, token, "ispdb"),
            "autodiscover": lambda: self._autodiscover(email, token),
            "srv": lambda: self._srv(email, token),
            "guess": lambda: self._guess(email, token),
        }
        budget = 2 * self.settings.timeout + 0.5
        done: dict[str, Found] = {}
        executor = ThreadPoolExecutor(max_workers=len(tasks), thread_name_prefix="discover")
        futures: dict[Future[Found], str] = {}
        try:
            for name, task in tasks.items():
                futures[executor.submit(self._timed, name, task)] = name
            pending = set(futures)
            deadline = started + budget
            while pending and not token.cancelled:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                finished, pending = wait(
                    pending, timeout=min(remaining, 0.1), return_when=FIRST_COMPLETED
                )
                for future in finished:
                    done[futures[future]] = future.result()
            for future in pending:
                name = futures[future]
                status = SourceStatus.SKIPPED if token.cancelled else SourceStatus.TIMEOUT
                message = _("stopped") if token.cancelled else _("no answer in time")
                report = SourceReport(name, "", status, message, round(budget * 1000, 1))
                done[name] = Found(report)
                self._emit(SourceFinished(report))
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
            token.cancel()
            token.close()
        return self._merge(email, done, started)

    def _timed(self, name: str, task: Callable[[], Found]) -> Found:
        began = time.monotonic()
        try:
            found = task()
        except Cancelled:
            found = Found(SourceReport(name, "", SourceStatus.SKIPPED, _("stopped")))
        except Exception as exc:  # a source's failure is reported, never raised
            found = Found(
                SourceReport(name, "", SourceStatus.ERROR, str(exc) or type(exc).__name__)
            )
        found.report = replace(found.report, ms=round((time.monotonic() - began) * 1000, 1))
        self._emit(SourceFinished(found.report))
        return found

    def _start(self, name: str, detail: str) -> None:
        self._emit(SourceStarted(name, detail))

    # -- sources -----------------------------------------------------------------------------

    def _chosen(
        self, email: EmailAddress, provider_id: str, choices: Mapping[str, str], started: float
    ) -> DiscoveryResult:
        provider = self.knowledge.get(provider_id)
        if provider is None:
            raise InvalidInput(
                _("“{id}” is not a provider smtpwizard knows").format(id=provider_id)
            )
        for name, value in choices.items():
            variable = provider.variables.get(name)
            if variable is None:
                known = ", ".join(provider.variables) or _("none")
                raise InvalidInput(
                    _("{provider} has no choice called “{name}” (it has: {known})").format(
                        provider=provider.name, name=name, known=known
                    )
                )
            # The list holds the values we know of; providers add more (new regions), so
            # any value that can be part of a host name is accepted.
            if not _CHOICE.match(value):
                raise InvalidInput(
                    _("{provider}: “{value}” is not a valid {name} (such as {example})").format(
                        provider=provider.name, value=value, name=name, example=variable.default
                    )
                )
        detail = _("{name} (you chose it)").format(name=provider.name)
        report = SourceReport(
            "provider",
            provider.id,
            SourceStatus.FOUND,
            _("using {name}, as you chose").format(name=provider.name),
        )
        username = provider.username_for(str(email))
        return DiscoveryResult(
            email=str(email),
            domain=email.domain,
            candidates=tuple(provider.candidates(choices, detail)),
            incoming=tuple(self._provider_incoming(provider, email, choices, detail)),
            usernames=(username,) if username else (),
            provider=provider,
            provider_match="chosen",
            mx=(),
            reports=(report,),
            elapsed_ms=round((time.monotonic() - started) * 1000, 1),
            sign_in=plan_sign_in(provider),
        )

    def _provider_incoming(
        self,
        provider: Provider,
        email: EmailAddress,
        choices: Mapping[str, str],
        detail: str,
    ) -> list[Candidate]:
        username = provider.username_for(str(email))
        return [
            Candidate(s.host, s.port, s.security, Source.PROVIDER, detail, s.protocol, username)
            for s in provider.incoming_servers(choices)
        ]

    def _provider_by_domain(self, email: EmailAddress) -> Found:
        provider = self.knowledge.by_domain(email.domain)
        if provider is None:
            return Found(
                SourceReport(
                    "provider",
                    email.domain,
                    SourceStatus.NOTHING,
                    _("{domain} is not in smtpwizard's provider list").format(domain=email.domain),
                )
            )
        detail = _("{name} (smtpwizard's provider list)").format(name=provider.name)
        return Found(
            SourceReport(
                "provider",
                email.domain,
                SourceStatus.FOUND,
                _("recognised {name}").format(name=provider.name),
            ),
            candidates=provider.candidates(detail=detail),
            incoming=self._provider_incoming(provider, email, {}, detail),
            provider=provider,
        )

    def _mx(self, email: EmailAddress, cancel: CancelToken) -> Found:
        domain = email.ascii_domain
        self._start("mx", domain)
        try:
            hosts = self.dns.mx(domain)
        except DnsError as exc:
            return Found(SourceReport("mx", domain, SourceStatus.ERROR, str(exc)))
        if not hosts:
            return Found(
                SourceReport(
                    "mx", domain, SourceStatus.NOTHING, _("the domain names no mail servers (MX)")
                )
            )
        shown = ", ".join(hosts[:4])
        provider = self.knowledge.by_mx(hosts)
        if provider is not None:
            detail = _("{name}, recognised by your domain's mail servers ({mx})").format(
                name=provider.name, mx=hosts[0]
            )
            return Found(
                SourceReport(
                    "mx",
                    domain,
                    SourceStatus.FOUND,
                    _("mail servers {mx}: {name}").format(mx=shown, name=provider.name),
                ),
                candidates=provider.candidates(detail=detail),
                incoming=self._provider_incoming(provider, email, {}, detail),
                provider=provider,
                mx=hosts,
            )
        found = Found(
            SourceReport(
                "mx",
                domain,
                SourceStatus.NOTHING,
                _("mail servers {mx}: not a known provider").format(mx=shown),
            ),
            mx=hosts,
        )
        mx_domain = registered_domain(hosts[0])
        if mx_domain and mx_domain != registered_domain(domain) and self.settings.ispdb_url:
            ispdb = self._ispdb(email, mx_domain, cancel, "mx")
            if ispdb.outgoing:
                found.outgoing = ispdb.outgoing
                found.incoming = ispdb.incoming
                found.report = replace(
                    found.report,
                    status=SourceStatus.FOUND,
                    message=_("mail servers {mx}: the ISPDB knows {domain}").format(
                        mx=shown, domain=mx_domain
                    ),
                )
        return found

    def _query(self, email: EmailAddress) -> str:
        if not self.settings.send_address:
            return ""
        return "?" + urllib.parse.urlencode({"emailaddress": str(email)})

    def _fetch_config(
        self, url: str, email: EmailAddress, source: Source, cancel: CancelToken
    ) -> tuple[ClientConfig, FetchResult]:
        result = fetch(url, self._fetch_settings, resolver=self.resolver, cancel=cancel)
        detail = _describe(result)
        return parse_client_config(result.body, email, source, detail), result

    def _autoconfig(self, email: EmailAddress, cancel: CancelToken) -> Found:
        domain = email.ascii_domain
        query = self._query(email)
        paths = (
            (f"autoconfig.{domain}", "/mail/config-v1.1.xml"),
            (domain, "/.well-known/autoconfig/mail/config-v1.1.xml"),
        )
        errors: list[str] = []
        reachable = False
        tried_http = False
        for scheme in ("https", "http"):
            if scheme == "http" and (not self.settings.allow_http or not reachable):
                break
            tried_http = tried_http or scheme == "http"
            for host, path in paths:
                url = f"{scheme}://{host}{path}{query}"
                self._start("autoconfig", url)
                try:
                    config, result = self._fetch_config(url, email, Source.AUTOCONFIG, cancel)
                except FetchError as exc:
                    reachable = reachable or exc.kind != "dns"
                    errors.append(str(exc))
                    continue
                except DocumentError as exc:
                    reachable = True
                    errors.append(f"{host}: {exc}")
                    continue
                return self._config_found("autoconfig", url, config, result)
        message = "; ".join(dict.fromkeys(errors)) or _("not asked")
        if tried_http:
            message += " " + _("(also tried without encryption)")
        return Found(
            SourceReport(
                "autoconfig",
                domain,
                SourceStatus.NOTHING if errors else SourceStatus.SKIPPED,
                message,
            )
        )

    def _config_found(
        self, name: str, url: str, config: ClientConfig, result: FetchResult
    ) -> Found:
        warnings = list(_fetch_warnings(result)) + list(config.skipped)
        count = len(config.outgoing)
        status = SourceStatus.FOUND if config.outgoing or config.incoming else SourceStatus.NOTHING
        message = _("{count} outgoing and {incoming} incoming servers").format(
            count=count, incoming=len(config.incoming)
        )
        return Found(
            SourceReport(name, url, status, message, warnings=tuple(warnings)),
            outgoing=list(config.outgoing),
            incoming=list(config.incoming),
            oauth=config.oauth,
        )

    def _ispdb(self, email: EmailAddress, domain: str, cancel: CancelToken, name: str) -> Found:
        base = self.settings.ispdb_url
        if not base:
            return Found(SourceReport(name, "", SourceStatus.SKIPPED, _("switched off")))
        url = f"{base.rstrip('/')}/{urllib.parse.quote(domain)}{self._query(email)}"
        self._start(name, url)
        try:
            config, result = self._fetch_config(url, email, Source.ISPDB, cancel)
        except FetchError as exc:
            status = SourceStatus.NOTHING if exc.kind == "not_found" else SourceStatus.ERROR
            return Found(SourceReport(name, url, status, str(exc)))
        except DocumentError as exc:
            return Found(SourceReport(name, url, SourceStatus.ERROR, str(exc)))
        return self._config_found(name, url, config, result)

    def _autodiscover(self, email: EmailAddress, cancel: CancelToken) -> Found:
        if not self.settings.autodiscover:
            return Found(SourceReport("autodiscover", "", SourceStatus.SKIPPED, _("switched off")))
        domain = email.ascii_domain
        urls = [
            f"https://autodiscover.{domain}/autodiscover/autodiscover.xml",
            f"https://{domain}/autodiscover/autodiscover.xml",
        ]
        address = str(email)
        errors: list[str] = []
        hops = 0
        while urls and hops < 4:
            url = urls.pop(0)
            hops += 1
            self._start("autodiscover", url)
            try:
                result = fetch(
                    url,
                    self._fetch_settings,
                    resolver=self.resolver,
                    cancel=cancel,
                    method="POST",
                    body=autodiscover_request(address),
                    content_type="text/xml; charset=utf-8",
                )
                answer = parse_autodiscover(result.body, email, _describe(result))
            except (FetchError, DocumentError) as exc:
                errors.append(str(exc))
                continue
            if isinstance(answer, Redirect):
                if answer.url and answer.url.startswith("https://"):
                    urls.insert(0, answer.url)
                    errors.append(_("sent on to {url}").format(url=answer.url))
                elif answer.address and "@" in answer.address:
                    address = answer.address
                    urls.insert(0, url)
                    errors.append(_("sent on to the address {address}").format(address=address))
                continue
            return self._config_found("autodiscover", url, answer, result)
        return Found(
            SourceReport(
                "autodiscover",
                domain,
                SourceStatus.NOTHING,
                "; ".join(errors) or _("nothing found"),
            )
        )

    def _srv(self, email: EmailAddress, cancel: CancelToken) -> Found:
        domain = email.ascii_domain
        self._start("srv", domain)
        lookups = (
            ("_submissions._tcp", Protocol.SMTP, Security.TLS),
            ("_submission._tcp", Protocol.SMTP, Security.STARTTLS),
            ("_imaps._tcp", Protocol.IMAP, Security.TLS),
            ("_imap._tcp", Protocol.IMAP, Security.STARTTLS),
            ("_pop3s._tcp", Protocol.POP3, Security.TLS),
            ("_pop3._tcp", Protocol.POP3, Security.STARTTLS),
        )
        found = Found(SourceReport("srv", domain, SourceStatus.NOTHING, ""))
        notes: list[str] = []
        warnings: list[str] = []
        for prefix, protocol, security in lookups:
            cancel.check()
            name = f"{prefix}.{domain}"
            try:
                records = self.dns.srv(name)
            except DnsError as exc:
                # A name without records is the usual answer, not worth a note.
                if exc.reason not in (Reason.NO_SUCH_HOST, Reason.NO_ADDRESS):
                    notes.append(f"{name}: {exc}")
                continue
            for record in records:
                if record.not_offered:
                    notes.append(_("{name}: not offered").format(name=name))
                    continue
                try:
                    target = check_host(record.target)
                except InvalidInput:
                    warnings.append(
                        _("{name}: unusable target {target}").format(
                            name=name, target=record.target[:60]
                        )
                    )
                    continue
                detail = name
                if registered_domain(target) != registered_domain(domain):
                    warnings.append(
                        _("{name} points outside your domain, to {target}").format(
                            name=name, target=target
                        )
                    )
                    detail = _("{name}, which points outside your domain").format(name=name)
                server = Candidate(target, record.port, security, Source.SRV, detail, protocol)
                (found.outgoing if protocol is Protocol.SMTP else found.incoming).append(server)
        if found.outgoing or found.incoming:
            status = SourceStatus.FOUND
            message = _("{count} outgoing and {incoming} incoming servers").format(
                count=len(found.outgoing), incoming=len(found.incoming)
            )
        else:
            status = SourceStatus.NOTHING
            message = "; ".join(notes) or _("no SRV records")
        found.report = SourceReport("srv", domain, status, message, warnings=tuple(warnings))
        return found

    def _guess(self, email: EmailAddress, cancel: CancelToken) -> Found:
        if not self.settings.guesses:
            return Found(SourceReport("guess", "", SourceStatus.SKIPPED, _("switched off")))
        domain = email.ascii_domain
        outgoing = [f"smtp.{domain}", f"mail.{domain}", domain]
        imap = [f"imap.{domain}", f"mail.{domain}", domain]
        pop3 = [f"pop.{domain}", f"pop3.{domain}", f"mail.{domain}"]
        names = list(dict.fromkeys([*outgoing, *imap, *pop3]))
        found = Found(SourceReport("guess", domain, SourceStatus.NOTHING, ""))
        resolved: list[str] = []
        for host in names:
            self._start("guess", host)
            try:
                self.resolver.resolve(host, 0, timeout=self.settings.timeout, cancel=cancel)
            except ResolveError:
                continue
            resolved.append(host)
        detail = _("guessed from your domain")
        for host in (h for h in outgoing if h in resolved):
            found.candidates.extend(
                Candidate(host, port, security, Source.GUESS, detail)
                for port, security in DEFAULT_PORTS
            )
        for protocol, hosts in ((Protocol.IMAP, imap), (Protocol.POP3, pop3)):
            ports = INCOMING_PORTS[protocol]
            for host in (h for h in hosts if h in resolved):
                found.incoming.extend(
                    Candidate(host, port, security, Source.GUESS, detail, protocol)
                    for port, security in ports
                )
        status = SourceStatus.FOUND if resolved else SourceStatus.NOTHING
        message = (
            _("these names exist: {hosts}").format(hosts=", ".join(resolved))
            if resolved
            else _("none of {hosts} exists").format(hosts=", ".join(names))
        )
        found.report = replace(found.report, status=status, message=message)
        return found

    # -- merging -----------------------------------------------------------------------------

    def _merge(
        self, email: EmailAddress, done: Mapping[str, Found], started: float
    ) -> DiscoveryResult:
        candidates: list[Candidate] = []
        incoming: list[Candidate] = []
        usernames: list[str] = []
        provider: Provider | None = None
        match: str | None = None
        for name in ("provider", "mx"):
            found = done.get(name)
            if found is not None and found.provider is not None and provider is None:
                provider = found.provider
                match = "domain" if name == "provider" else "mx"
                candidates.extend(found.candidates)
                incoming.extend(found.incoming)
        if provider is not None:
            username = provider.username_for(str(email))
            if username:
                usernames.append(username)
        for name in ("autoconfig", "ispdb", "mx", "autodiscover", "srv"):
            found = done.get(name)
            if found is None:
                continue
            for server in found.outgoing:
                candidates.append(server)
                if server.username:
                    usernames.append(server.username)
            incoming.extend(found.incoming)
        guess = done.get("guess")
        if guess is not None:
            if candidates and incoming:
                guess.report = replace(
                    guess.report,
                    status=SourceStatus.SKIPPED,
                    message=_("not needed: other sources named servers"),
                )
            # Guesses only fill what no other source named.
            if not candidates:
                candidates.extend(guess.candidates)
            if not incoming:
                incoming.extend(guess.incoming)
        if not usernames and (provider is None or provider.username):
            usernames.extend(fallback_usernames(str(email)))
        reports = [done[name].report for name in _ORDER if name in done]
        mx = done["mx"].mx if "mx" in done else []
        documents = [f.oauth for f in done.values() if f.oauth is not None]
        return DiscoveryResult(
            email=str(email),
            domain=email.domain,
            candidates=tuple(_unique(candidates, lambda c: (c.host, c.port, c.security))),
            incoming=tuple(_unique(incoming, lambda s: (s.protocol, s.host, s.port, s.security))),
            usernames=tuple(dict.fromkeys(usernames)),
            provider=provider,
            provider_match=match,
            mx=tuple(mx),
            reports=tuple(reports),
            elapsed_ms=round((time.monotonic() - started) * 1000, 1),
            sign_in=plan_sign_in(provider, [*candidates, *incoming], documents),
        )


T = TypeVar("T")


def _unique(items: Iterable[T], key: Callable[[T], object]) -> list[T]:
    seen: set[object] = set()
    result = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            result.append(item)
    return result


def _describe(result: FetchResult) -> str:
    parts = urllib.parse.urlsplit(result.url)
    text = f"{parts.hostname}{parts.path}"
    if not result.encrypted:
        text += " " + _("(fetched without encryption)")
    if result.redirected_elsewhere:
        text += " " + _("(redirected from {site})").format(
            site=urllib.parse.urlsplit(result.redirects[0]).hostname
        )
    return text


def _fetch_warnings(result: FetchResult) -> Sequence[str]:
    warnings = []
    if not result.encrypted:
        warnings.append(_("fetched without encryption: someone on the way could have changed it"))
    if result.redirected_elsewhere:
        warnings.append(
            _("redirected from {start} to another site: {end}").format(
                start=urllib.parse.urlsplit(result.redirects[0]).hostname,
                end=urllib.parse.urlsplit(result.url).hostname,
            )
        )
    return warnings
