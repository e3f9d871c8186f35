#!/usr/bin/env python3
"""coursesite benchmarks: one command, figures printed as medians of several runs.

    python benchmarks/run.py                 # every suite
    python benchmarks/run.py images          # 300 photos: cold build, rebuilds
    python benchmarks/run.py pages           # the shared corpus at 1,000 and 10,000 pages
    python benchmarks/run.py pages --sizes 1000 --runs 3
    python benchmarks/run.py pages --peers   # with Pelican and Hugo, ratios in the same run
    python benchmarks/run.py serve           # a one-page edit under `build-site serve`
    python benchmarks/run.py bib             # a 10,000-entry bibliography: cold, rebuilds

Each build runs `build-site` in its own process, timed by wall clock, with the
peak resident memory of that process. Trees are made in a temporary folder by
deterministic generators, so figures compare over time.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def helper(*args: object) -> None:
    """Make trees in another process: the peak memory of a build counts from its fork."""
    subprocess.run([sys.executable, *map(str, args)], check=True, stdout=subprocess.DEVNULL)


# Builds run as a user's do: with Python's compiled modules kept. A shell that sets
# PYTHONDONTWRITEBYTECODE has every import compiled anew in every build (of coursesite's
# and Pelican's modules alike), which is not what an installed tool costs.
BUILD_ENV = {name: value for name, value in os.environ.items()
             if name != "PYTHONDONTWRITEBYTECODE"}


def build(site: Path, *args: str, command: list[str] | None = None) -> tuple[float, float]:
    """Run one build; return (wall seconds, peak MiB of its largest process)."""
    start = time.perf_counter()
    command = command or [sys.executable, "-m", "coursesite", "--quiet", *args]
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty build cannot block
        proc = subprocess.Popen(command, cwd=site, stderr=subprocess.STDOUT, stdout=log,
                                env=BUILD_ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        log.seek(0)
        err = log.read().decode(errors="replace")[-4000:]
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed in {site}:\n{err}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def clean(site: Path) -> None:
    for name in ("output", ".cache"):
        set_aside(site / name)


SET_ASIDE = iter(range(1_000_000))


def set_aside(path: Path) -> None:
    """Move a build's output out of the way; it is deleted with the benchmark's folder.

    Not deleted before the next run: on a file system without a journal (this
    machine's ext4), an inode freed in the last minutes is not reused, and
    creating a file steps over every such inode one by one (`recently_deleted`
    in the kernel's profile). Deleting one cold build's 30,000 files made the
    next build's file creation up to ten times dearer: a cost of the benchmark's
    deleting, not of the build it times, and one that grew with the number of
    files, not with the work of making them.
    """
    if path.exists():
        aside = path.parent.parent / "set-aside"
        aside.mkdir(exist_ok=True)
        path.rename(aside / f"{path.parent.name}-{path.name}-{next(SET_ASIDE)}")


def median_of(runs: int, prepare: Callable[[], object], site: Path, *args: str,
              command: list[str] | None = None) -> tuple[float, float]:
    times, peaks = [], []
    for _ in range(runs):
        prepare()
        seconds, peak = build(site, *args, command=command)
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def folder_bytes(folder: Path, pattern: str = "*") -> int:
    return sum(p.stat().st_size for p in folder.rglob(pattern) if p.is_file())


def suite_images(args: argparse.Namespace, work: Path) -> None:
    site = work / "photos"
    print(f"images: making {args.photos} photos of 2000-4000 px ...", flush=True)
    helper(HERE / "photos.py", site, args.photos)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    cold, cold_peak = median_of(args.runs, lambda: clean(site), site, *jobs)
    warm, warm_peak = median_of(args.runs, lambda: None, site, *jobs)

    counter = iter(range(1_000_000))

    def change_one() -> None:
        helper(HERE / "photos.py", site, args.photos, "--touch", next(counter))
    one, one_peak = median_of(args.runs, change_one, site, *jobs)
    originals = folder_bytes(site / "content" / "images")
    out = site / "output" / "photos" / "images"
    published = folder_bytes(out) - folder_bytes(out, "*.webp")
    webp_800 = folder_bytes(out, "*.800.webp")
    print(f"images: {args.photos} photos, {originals / 2**20:.1f} MiB of originals, "
          f"median of {args.runs} runs, jobs={args.jobs or os.cpu_count()}")
    print(f"  cold build            {cold:8.2f} s   peak {cold_peak:6.0f} MiB")
    print(f"  rebuild, no change    {warm:8.2f} s   peak {warm_peak:6.0f} MiB"
          f"   ({warm / cold:.1%} of cold)")
    print(f"  rebuild, one changed  {one:8.2f} s   peak {one_peak:6.0f} MiB"
          f"   ({one / cold:.1%} of cold)")
    print(f"  bytes: originals {originals / 2**20:.1f} MiB; published stripped copies "
          f"{published / 2**20:.1f} MiB; 800 px WebP {webp_800 / 2**20:.1f} MiB "
          f"({1 - webp_800 / originals:.0%} less for a reader on an 800 px column)")


def corpus_script() -> Path:
    corpus = HERE.parent.parent / "shared" / "bench" / "make_corpus.py"
    if not corpus.exists():
        raise SystemExit(f"{corpus} is missing: the shared corpus lies beside the checkout "
                         "(../shared/bench/make_corpus.py)")
    return corpus


def corpus_site(site: Path, size: int) -> Path:
    """The shared corpus of `size` pages in 4 groups at `site`; returns the page to edit."""
    helper(corpus_script(), site, "--pages", size)
    (site / "site.yaml").write_text(CORPUS_SITE)
    return sorted((site / "content" / "pages").rglob("*.md"))[size // 2]


def page_in_two_groups(after: Path) -> Path:
    """The first page after `after` that is in two groups (half the corpus's pages are)."""
    pages = sorted(after.parent.parent.rglob("*.md"))
    for page in pages[pages.index(after):]:
        if any(line.startswith("groups:") and "," in line
               for line in page.read_text().splitlines()):
            return page
    raise SystemExit("the corpus has no page in two groups")


def page_edit(page: Path) -> Callable[[], object]:
    """Append a new line to the page each time (its body changes, nothing else)."""
    original = page.read_text()
    edits = iter(range(1_000_000))
    return lambda: page.write_text(original + f"\nEdited {next(edits)}.\n")


def suite_pages(args: argparse.Namespace, work: Path) -> None:
    for size in args.sizes:
        site = work / f"corpus-{size}"
        page = corpus_site(site, size)
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        ours = Tool(site, [sys.executable, "-m", "coursesite", "--quiet", *jobs], clean)
        single = Tool(one_group_copy(site, work / f"corpus-{size}-one-group"), ours.command,
                      clean)
        peer_tools = peers(work, size) if args.peers else {}
        colds = cold_builds(args.runs, {"coursesite": ours, "one group": single, **peer_tools})
        cold, cold_peak = colds.pop("coursesite")
        alone, alone_peak = colds.pop("one group")
        noop, noop_peak = median_of(args.runs, lambda: None, site, *jobs)
        one, one_peak = median_of(args.runs, page_edit(page), site, *jobs)
        two, two_peak = median_of(args.runs, page_edit(page_in_two_groups(page)), site, *jobs)
        templates = site / "templates"
        templates.mkdir(exist_ok=True)
        layouts = iter(range(1_000_000))

        def template_edit(templates: Path = templates, layouts: Iterator[int] = layouts) -> None:
            (templates / "page.html").write_text(
                '{% extends "base.html" %}{% block content %}<article class="page">'
                f"<!-- layout {next(layouts)} -->{{{{ content }}}}</article>{{% endblock %}}")
        layout, layout_peak = median_of(args.runs, template_edit, site, *jobs)
        print(f"pages: {size} pages of the shared corpus, 4 groups, median of {args.runs} runs")
        print(f"  cold build            {cold:8.2f} s   peak {cold_peak:6.0f} MiB"
              f"   {size / cold:7.0f} pages/s")
        print(f"  rebuild, no change    {noop:8.2f} s   peak {noop_peak:6.0f} MiB")
        print(f"  rebuild, one page     {one:8.2f} s   peak {one_peak:6.0f} MiB"
              "   (a page in one group)")
        print(f"  rebuild, one page     {two:8.2f} s   peak {two_peak:6.0f} MiB"
              "   (a page in two groups)")
        print(f"  rebuild, page.html    {layout:8.2f} s   peak {layout_peak:6.0f} MiB")
        print(f"  cold, one group       {alone:8.2f} s   peak {alone_peak:6.0f} MiB"
              f"   4 groups / 1 group: {cold / alone:.2f}x")
        for name, (seconds, peak) in colds.items():
            print(f"  {name + ', cold':<21} {seconds:8.2f} s   peak {peak:6.0f} MiB"
                  f"   coursesite/{name}: {cold / seconds:.2f}x")
        if args.peers:
            pelican_cached(args, peer_tools["Pelican"], {"noop": noop, "one": one})


def one_group_copy(site: Path, copy: Path) -> Path:
    """The same pages as one group: every page's groups line becomes 'groups: all'."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site / "content", copy / "content")
    for page in (copy / "content").rglob("*.md"):
        lines = page.read_text().split("\n")
        page.write_text("\n".join("groups: all" if line.startswith("groups:") else line
                                   for line in lines))
    (copy / "site.yaml").write_text(
        'search: false\ngroups:\n  rtc: {title: RTC, url: "https://rtc.example.org/"}\n')
    return copy


# Each peer's config and one small layout, copied from ../shared/bench/sites/.
PEERS = HERE / "peers"


@dataclass(frozen=True)
class Tool:
    """A site generator on its tree: the command of a build, and how to undo one."""

    site: Path
    command: list[str]
    clean: Callable[[Path], None]
    pages: int = 0  # HTML files each build must leave in out/, one per page; 0: not checked


def cold_builds(runs: int, tools: dict[str, Tool]) -> dict[str, tuple[float, float]]:
    """Cold builds of each tool in turn, `runs` rounds; (median s, peak MiB) per tool.

    In turn, not one tool's runs after the other's: this machine's speed drifts
    over minutes, and a ratio means something only when each side saw the same."""
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
    for _ in range(runs):
        for name, tool in tools.items():
            tool.clean(tool.site)
            seen[name].append(build(tool.site, command=tool.command))
            if tool.pages:
                check_pages(name, tool.site / "out", tool.pages)
    return {name: (statistics.median(s for s, _ in runs_of), max(p for _, p in runs_of))
            for name, runs_of in seen.items()}


def check_pages(name: str, out: Path, pages: int) -> None:
    """One HTML file per corpus page and no more, as coursesite's job is.

    A peer that also wrote index, tag or archive pages, or skipped pages it read
    the wrong way, would be timed on another job: that must stop the benchmark,
    not pass unseen in a ratio."""
    written = sum(1 for _ in out.rglob("*.html"))
    if written != pages:
        raise SystemExit(f"{name} wrote {written} HTML files for the corpus's {pages} pages "
                         f"(in {out}): its set-up does not do coursesite's job")


def peers(work: Path, size: int) -> dict[str, Tool]:
    """Pelican (from PyPI, in its own venv) and Hugo (Debian's) on the same corpus."""
    pelican = peer_site("pelican", work, size)
    command = [str(pelican_bin(work)), "content", "-o", "out", "-q", "-s", "pelicanconf.py"]
    return {
        "Pelican": Tool(pelican, command, clean_peer, size),
        "Hugo": Tool(make_hugo_site(work, size), HUGO_BUILD, clean_peer, size),
    }


HUGO_BUILD = ["hugo", "--quiet", "-d", "out"]


def pelican_bin(work: Path) -> Path:
    venv = work / "peers-venv"
    if not (venv / "bin" / "pelican").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "pelican[markdown]"],
                       check=True)
    return venv / "bin" / "pelican"


def make_hugo_site(work: Path, size: int) -> Path:
    """Hugo's site of the corpus (Hugo is Debian's, installed when missing)."""
    if shutil.which("hugo") is None:
        install = ["apt-get", "install", "-y", "-q", "hugo"]
        if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
            # A fresh machine's package lists may not know hugo yet.
            subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(install, check=True, stdout=subprocess.DEVNULL)
    return peer_site("hugo", work, size)


def peer_site(tool: str, work: Path, size: int) -> Path:
    """`tool`'s site of the corpus, laid out as ../shared/bench/prepare.py does.

    The config and layout are benchmarks/peers/<tool>/; the pages are made from
    a corpus of their own, so that no edit timed on another tree reaches them.
    Made once per size: the serve suite's Hugo server reuses the pages suite's."""
    site = work / f"{tool}-{size}"
    if site.exists():
        return site
    corpus = work / f"peer-corpus-{size}"
    if not corpus.exists():
        helper(corpus_script(), corpus, "--pages", size)
    shutil.copytree(PEERS / tool, site, ignore=shutil.ignore_patterns("__pycache__"))
    content = corpus / "content"
    if tool == "pelican":  # Pelican reads the corpus's bare header as it is
        shutil.copytree(content, site / "content")
    elif tool == "hugo":  # YAML front matter, and {{ IMGURL }} filled in: Hugo does not
        prepare = prepare_module()  # template the Markdown of its content
        prepare.copy_pages(str(content / "pages"), str(site / "content" / "pages"),
                           lambda text: prepare.to_yaml(text, True))
        shutil.copytree(content / "images", site / "static" / "images")
    else:
        raise SystemExit(f"no set-up for peer {tool}")
    return site


def prepare_module() -> ModuleType:
    """../shared/bench/prepare.py, for its conversion of the corpus's pages (not a package)."""
    path = corpus_script().with_name("prepare.py")
    spec = importlib.util.spec_from_file_location("prepare", path)
    if not path.exists() or spec is None or spec.loader is None:
        raise SystemExit(f"{path} is missing: it lies beside make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clean_peer(site: Path) -> None:
    # resources/ is Hugo's cache of processed assets (empty here, set aside all the same).
    for name in ("out", "cache", "resources"):
        set_aside(site / name)


# On the command line, for the cached runs only: the cold runs' config stays the
# peers' file as it is.
PELICAN_CACHE = ["-e", "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]


def pelican_cached(args: argparse.Namespace, pelican: Tool, ours: dict[str, float]) -> None:
    """Pelican with its content cache on: nothing changed, then one page changed."""
    site, command = pelican.site, [*pelican.command, *PELICAN_CACHE]
    clean_peer(site)
    build(site, command=command)  # fills the cache
    noop, noop_peak = median_of(args.runs, lambda: None, site, command=command)
    page = sorted((site / "content" / "pages").rglob("*.md"))[pelican.pages // 2]
    one, one_peak = median_of(args.runs, page_edit(page), site, command=command)
    check_pages("Pelican (its content cache on)", site / "out", pelican.pages)
    for label, seconds, peak, key in (("no change", noop, noop_peak, "noop"),
                                      ("one page", one, one_peak, "one")):
        print(f"  {'Pelican, ' + label:<21} {seconds:8.2f} s   peak {peak:6.0f} MiB"
              f"   coursesite/Pelican: {ours[key] / seconds:.2f}x   (its content cache on)")


# No search index: the peers build none (Pagefind's own time is measured apart).
CORPUS_SITE = """\
search: false
groups:
  rtc: {title: RTC, url: "https://rtc.example.org/"}
  diag: {title: DIAG, url: "https://diag.example.org/"}
  pathology: {title: Pathology, url: "https://pathology.example.org/"}
  aifh: {title: AI for Health, url: "https://aifh.example.org/"}
"""

def suite_serve(args: argparse.Namespace, work: Path) -> None:
    import serve  # beside this file

    for size in args.sizes:
        site = work / f"serve-{size}"
        page = corpus_site(site, size)
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        rebuild, to_event, to_page = serve.measure(site, page, args.runs, jobs)
        print(f"serve: {size} pages, 4 groups, one page edited, median of {args.runs} runs")
        print(f"  rebuild (as the server reports it)  {rebuild * 1000:8.0f} ms")
        print(f"  save to reload event                {to_event * 1000:8.0f} ms")
        print(f"  save to the new page served         {to_page * 1000:8.0f} ms")
        if args.peers:
            hugo = make_hugo_site(work, size)
            # Its server renders in memory: a build of the same site shows what it makes.
            build(hugo, command=HUGO_BUILD)
            check_pages("Hugo", hugo / "out", size)
            edited = sorted((hugo / "content" / "pages").rglob("*.md"))[size // 2]
            hugo_rebuild, hugo_page = serve.measure_hugo(hugo, edited, args.runs)
            print(f"  Hugo server, rebuild (as it reports it) {hugo_rebuild * 1000:4.0f} ms"
                  f"   coursesite/Hugo: {rebuild / hugo_rebuild:.2f}x")
            print(f"  Hugo server, save to the new page served {hugo_page * 1000:4.0f} ms"
                  f"   coursesite/Hugo: {to_page / hugo_page:.2f}x")


def bib_site(site: Path, entries: int) -> Path:
    """A group whose publications page lists a generated bibliography (bibgen.py); returns
    the .bib file."""
    helper(Path(__file__).parent / "bibgen.py", entries, site)
    (site / "site.yaml").write_text(
        "groups:\n  diag: {title: DIAG, url: 'https://diag.example.org/'}\n", encoding="utf-8")
    (site / "content" / "index.md").write_text("title: DIAG\ngroups: diag\n\nWelcome.\n")
    (site / "content" / "publications.md").write_text(
        "title: Publications\ntemplate: publications\ngroups: diag\n\nAll of them.\n")
    return site / "content" / "group.bib"


def entry_edit(bib: Path) -> Callable[[], object]:
    """Change the title of the entry in the middle of the file, differently each time."""
    edits = iter(range(1_000_000))

    def edit() -> None:
        text = bib.read_text(encoding="utf-8")
        at = text.index("  title = {", len(text) // 2) + len("  title = {")
        bib.write_text(f"{text[:at]}E{next(edits)} {text[at:]}", encoding="utf-8")
    return edit


def suite_bib(args: argparse.Namespace, work: Path) -> None:
    for entries in args.entries:
        site = work / f"bib-{entries}"
        bib = bib_site(site, entries)
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        cold, cold_peak = median_of(args.runs, functools.partial(clean, site), site, *jobs)
        noop, noop_peak = median_of(args.runs, lambda: None, site, *jobs)
        one, one_peak = median_of(args.runs, entry_edit(bib), site, *jobs)
        print(f"bib: a publications page of {entries} generated BibTeX entries, one group, "
              f"median of {args.runs} runs")
        print(f"  cold build            {cold:8.2f} s   peak {cold_peak:6.0f} MiB")
        print(f"  rebuild, no change    {noop:8.2f} s   peak {noop_peak:6.0f} MiB")
        print(f"  rebuild, one entry    {one:8.2f} s   peak {one_peak:6.0f} MiB"
              "   (its title changed)")


SUITES = {"images": suite_images, "pages": suite_pages, "serve": suite_serve,
          "bib": suite_bib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", choices=[*SUITES, []], default=[])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median)")
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--entries", type=int, nargs="+", default=[10000],
                        help="bib: the BibTeX entries of the generated bibliography")
    parser.add_argument("--jobs", type=int, default=0, help="build-site --jobs (default: cores)")
    parser.add_argument("--peers", action="store_true",
                        help="pages: also time Pelican (PyPI) and Hugo (Debian) on the same tree;"
                             " serve: also Hugo's server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coursesite-bench-") as tmp:
        for name in args.suites or list(SUITES):
            SUITES[name](args, Path(tmp))


if __name__ == "__main__":
    main()
