"""External links, fetched once each when `check --external` asks."""

from __future__ import annotations

from coursesite.errors import Problems


def check_external(urls: dict[str, list[tuple[str, int]]], problems: Problems,
                   timeout: float = 10.0, workers: int = 8) -> None:
    """One GET per distinct external URL, a few at a time; report each failure where it is."""
    from concurrent.futures import ThreadPoolExecutor  # only `check --external` needs it

    with ThreadPoolExecutor(max_workers=workers) as pool:
        failures = dict(zip(urls, pool.map(lambda url: fetch_failure(url, timeout), urls),
                            strict=True))
    for url in sorted(urls):
        failure = failures[url]
        if failure:
            for path, line in urls[url]:
                problems.error(path, line, f"external link '{url}' failed: {failure}",
                               "check the address; external links are checked only with "
                               "--external")


def fetch_failure(url: str, timeout: float) -> str | None:
    """Why `url` cannot be fetched, or None when it answers with a success."""
    import urllib.error  # only `check --external` fetches; other builds skip the import
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "coursesite-linkcheck/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):  # socket.timeout is TimeoutError
            return f"no answer within {timeout:g} s"
        return f"cannot connect ({exc.reason})"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except (OSError, ValueError) as exc:
        return f"cannot connect ({exc})"
