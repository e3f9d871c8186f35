"""build-site: the command line. It reads options, calls build() and prints.

Exit status: 0 success, 1 content or template errors, 2 usage or configuration.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from coursesite.build.pipeline import BuildOptions, Mode, build
from coursesite.config.site import load_config
from coursesite.errors import BuildFailed, SiteError
from coursesite.report import ConsoleReporter


def entry() -> None:
    """The `build-site` command: main(), then leave without tearing the heap down.

    A build of 10,000 pages ends with some 300,000 objects alive (the pages, the
    cache, the site's structure, which refer to each other); freeing them one by
    one at interpreter exit costs 0.4 s, more than a one-page rebuild's own
    work. Every file is written and closed by then and nothing is left to clean
    up, so the process ends as soon as its output is flushed.
    """
    status: int | str | None = 0
    try:
        main()
    except SystemExit as exc:  # click ends every command this way
        status = exc.code
    if isinstance(status, str):  # what sys.exit("message") would do
        click.echo(status, err=True)
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nobody reads the rest
        pass
    os._exit(status or 0)


def build_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options that `build-site` and `build-site check` share."""
    options = [
        click.option("--config", "config_path", type=click.Path(path_type=Path),
                     default=Path("site.yaml"), show_default=True, help="The site's site.yaml."),
        click.option("--group", "groups", multiple=True, metavar="NAME",
                     help="Build only this group (repeatable)."),
        click.option("--drafts", is_flag=True, help="Also build pages with 'status: draft'."),
        click.option("--strict", is_flag=True, help="Treat warnings as errors."),
        click.option("--date", "today", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Build as of this day (YYYY-MM-DD): which events are upcoming. "
                     "Default: SOURCE_DATE_EPOCH's day, else today."),
        click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
                     show_default="the number of cores", help="Worker processes."),
        click.option("--quiet", "-q", is_flag=True, help="Print only errors and warnings."),
        click.option("--verbose", "-v", is_flag=True, help="Also print how long each stage took."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@build_options
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Write here instead of the output folder of site.yaml.")
@click.version_option(package_name="coursesite")
@click.pass_context
def main(ctx: click.Context, /, output: Path | None, **kwargs: Any) -> None:
    """Build one static site per group from a shared tree of Markdown pages."""
    if ctx.invoked_subcommand is None:
        run(write=True, output=output, **kwargs)


@main.command()
@build_options
@click.option("--external", is_flag=True,
              help="Also fetch every external link (one request each, 8 at a time).")
def check(external: bool, **kwargs: Any) -> None:
    """Check everything a build checks; write nothing."""
    run(write=False, output=None, external=external, **kwargs)
    if not kwargs["quiet"]:
        click.echo("no errors found")


@main.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              default=Path("site.yaml"), show_default=True, help="The site's site.yaml.")
@click.option("--group", "groups", multiple=True, metavar="NAME",
              help="Serve only this group, at the root (repeatable: each under /NAME/).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; only this machine can connect unless you change it.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@click.option("--drafts", is_flag=True, help="Also show pages with 'status: draft'.")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of cores", help="Worker processes.")
def serve(config_path: Path, groups: tuple[str, ...], host: str, port: int,
          open_browser: bool, drafts: bool, jobs: int) -> None:
    """Build, serve on this machine, and rebuild and reload the browser on every change."""
    from coursesite.serve.server import ServeOptions
    from coursesite.serve.server import serve as run_server

    options = ServeOptions(groups=groups, host=host, port=port, drafts=drafts, jobs=jobs,
                           open_browser=open_browser)
    try:
        run_server(config_path, options, click.echo)
    except SiteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # e.g. the port is taken
        click.echo(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("target", required=False)
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              default=Path("site.yaml"), show_default=True, help="The site's site.yaml.")
@click.option("--group", "groups", multiple=True, metavar="NAME",
              help="Publish only this group (repeatable; needed with TARGET).")
@click.option("--dry-run", is_flag=True,
              help="Show what would be sent and deleted; change nothing.")
@click.option("--delete", is_flag=True,
              help="Also remove files from the target that are no longer in the output.")
@click.option("--no-build", "no_build", is_flag=True,
              help="Publish output/<group>/ as it is, without building first.")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of cores", help="Worker processes for the build.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and warnings.")
@click.option("--verbose", "-v", is_flag=True, help="Also list every file sent or deleted.")
def publish(target: str | None, config_path: Path, groups: tuple[str, ...], dry_run: bool,
            delete: bool, no_build: bool, jobs: int, quiet: bool, verbose: bool) -> None:
    """Send built groups to static hosting: TARGET, or each group's `publish:` in site.yaml.

    \b
    TARGET is a folder or file:///path, ssh://user@host[:port]/path, rsync://host/module,
    git+https://host/org/repo.git#gh-pages (or git+ssh://, git+file://), s3://bucket/prefix,
    or command:'netlify deploy --dir {output} --prod'.
    """
    from coursesite.publish import PublishError, PublishOptions, publish_site

    reporter = ConsoleReporter(quiet=quiet)
    options = PublishOptions(groups=groups, target=target, dry_run=dry_run, delete=delete,
                             build=not no_build, jobs=jobs)

    def report(summary: Any) -> None:
        for line in [] if quiet else summary.lines(verbose):
            click.echo(line)

    def progress(done: int, total: int) -> None:
        reporter.progress(done, total, label="publishing")

    with handled_errors(reporter, "build failed: {count}; publish stopped"):
        try:
            publish_site(load_config(config_path), options, reporter, report, progress)
        except PublishError as exc:
            hint = f"\n    hint: {exc.hint}" if exc.hint else ""
            click.echo(f"error: {exc.message}\n    done: {exc.done}{hint}", err=True)
            sys.exit(1)


@main.command()
@click.argument("site", required=False, type=click.Path(path_type=Path))
@click.option("--course", metavar="TITLE",
              help="Add a course of this title (with SITE: name the new site's course).")
@click.option("--lesson", metavar="TITLE",
              help="Add a lesson at the end of a course (--course names it, when the site "
              "has several).")
@click.option("--group", "groups", multiple=True, metavar="NAME",
              help="The group a new course is for (repeatable; needed with several groups).")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              default=Path("site.yaml"), show_default=True, help="The site's site.yaml.")
def new(site: Path | None, course: str | None, lesson: str | None, groups: tuple[str, ...],
        config_path: Path) -> None:
    """Start a site in the folder SITE (site.yaml, a course of two lessons, a picture),
    or add a course (--course TITLE) or a lesson (--lesson TITLE) to this one."""
    from coursesite import scaffold

    if site is None and not (course or lesson):
        raise click.UsageError("give SITE (a new folder), --course TITLE or --lesson TITLE")
    with handled_errors(ConsoleReporter(), "{count}"):
        if site is not None:
            if lesson:
                raise click.UsageError("--lesson adds to a site that is there: "
                                       "make the site first")
            written = scaffold.new_site(site, course)
        else:
            config = load_config(config_path)
            written = []
            if course and not (lesson and scaffold.has_course(config, course)):
                written += scaffold.new_course(config, course, groups)
            if lesson:
                written += scaffold.new_lesson(config, lesson, course)
    for path in written:
        click.echo(f"wrote {os.path.relpath(path)}")
    if site is not None:
        click.echo(f"next: cd {site} && build-site serve")


def run(*, config_path: Path, groups: tuple[str, ...], drafts: bool, strict: bool, jobs: int,
        quiet: bool, verbose: bool, output: Path | None, write: bool,
        today: datetime | None = None, external: bool = False) -> None:
    reporter = ConsoleReporter(quiet=quiet, verbose=verbose)
    # `check` finds errors; a build that finds them fails
    with handled_errors(reporter, "build failed: {count}; output left as it was" if write
                        else "found {count}"):
        config = load_config(config_path)
        options = BuildOptions(groups=groups, drafts=drafts, strict=strict, jobs=jobs,
                               output=output.resolve() if output else None,
                               mode=Mode.BUILD if write else Mode.CHECK,
                               external=external, today=build_date(today))
        build(config, options, reporter)


def build_date(given: datetime | None) -> date | None:
    """The day the build is as of: --date, else SOURCE_DATE_EPOCH's (reproducible
    builds), else None (today)."""
    if given is not None:
        return given.date()
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC).date()
    except (ValueError, OverflowError, OSError):
        raise click.UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is no number of seconds "
                               "since 1970 (unset it, or give --date YYYY-MM-DD)") from None


@contextmanager
def handled_errors(reporter: ConsoleReporter, outcome: str) -> Iterator[None]:
    """A user's mistake becomes messages and an exit status, never a traceback; after
    the errors of a build, `outcome` is the last line ({count}: "2 errors")."""
    try:
        yield
    except SiteError as exc:
        for diagnostic in exc.diagnostics:
            reporter.diagnostic(diagnostic)
        sys.exit(exc.exit_code)
    except BuildFailed as failed:
        for diagnostic in failed.diagnostics:
            reporter.diagnostic(diagnostic)
        count = len(failed.diagnostics)
        errors = f"{count} error{'s' * (count != 1)}"
        # A build that failed after writing its pages (Pagefind) says what it left
        click.echo(f"build failed: {errors}; {failed.outcome}" if failed.outcome
                   else outcome.format(count=errors), err=True)
        sys.exit(failed.exit_code)
    except OSError as exc:
        click.echo(os_error_message(exc), err=True)
        sys.exit(1)


OS_HINTS = {
    errno.ENOSPC: "free some space and build again; the output was left as it was",
    errno.EDQUOT: "free some space and build again; the output was left as it was",
    errno.EROFS: "the folder is on a read-only file system: choose another 'output:'",
    errno.EACCES: "check who owns the folder, or choose another 'output:'",
    errno.ENOTDIR: "a file stands where coursesite needs a folder: move it away",
}


def os_error_message(exc: OSError) -> str:
    """`path: error: what` with a hint, the path relative to here, never a raw errno line."""
    where = ""
    if exc.filename:
        path = os.fspath(exc.filename)
        relative = os.path.relpath(path) if os.path.isabs(path) else path
        where = f"{path if relative.startswith('..') else relative}: "
    text = f"{where}error: {(exc.strerror or str(exc)).lower()}"
    hint = OS_HINTS.get(exc.errno or 0)
    return text + (f"\n    hint: {hint}" if hint else "")
