"""What an image is (images/sources.py): an SVG's declared size, and a file's hash."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from coursesite.images.sources import SvgSizeError, file_sha256, svg_size


def svg(tmp_path: Path, attributes: str) -> Path:
    path = tmp_path / "x.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" {attributes}></svg>')
    return path


@pytest.mark.parametrize(("attributes", "size"), [
    ('width="120" height="60"', (120, 60)),
    ('width=" 12px " height="7.6"', (12, 8)),
    ('width="100%" height="50%"', (0, 0)),  # no size in pixels: the browser's to choose
    ('width="10em" height="auto"', (0, 0)),
    ('width="0" height="0"', (0, 0)),
    ('viewBox="0,0,200,100"', (200, 100)),
    ('width="50" viewBox="0 0 200 100"', (50, 25)),
    ('viewBox="0 0 2 1 5"', (0, 0)),  # not four values: ignored, as browsers do
    ('width="1e3" height="2E2"', (1000, 200)),
])
def test_an_svg_size_is_read_from_its_attributes(tmp_path: Path, attributes: str,
                                                 size: tuple[int, int]) -> None:
    assert svg_size(svg(tmp_path, attributes)) == size


@pytest.mark.parametrize(("attributes", "message"), [
    ('width="1.2.3" height="4"', 'declares width="1.2.3", which is no number'),
    ('width="nan" height="4"', 'declares width="nan", which is no number'),
    ('width="inf" height="4"', 'declares width="inf", which is no number'),
    ('width="1e999" height="4"', 'declares width="1e999", not a size from 0 to 1,000,000 px'),
    ('width="1e308" height="4"', 'declares width="1e308", not a size from 0 to 1,000,000 px'),
    ('width="-5" height="4"', 'declares width="-5", not a size from 0 to 1,000,000 px'),
    ('width="' + "9" * 400 + '"', 'declares width="' + "9" * 30 + '…", not a size'),
    ('viewBox="0 0 nan nan"', 'declares viewBox="0 0 nan nan", which is not four numbers'),
    ('viewBox="0 0 1e999 1"', "whose width and height are not finite sizes above 0"),
    ('viewBox="0 0 -2 1"', "whose width and height are not finite sizes above 0"),
    ('viewBox="0 0 1e308 1e308"', "which makes it more than 1,000,000 px on a side"),
    ('width="10" viewBox="0 0 1e-300 1e300"', "which makes it more than 1,000,000 px"),
])
def test_an_svg_size_that_is_no_size_is_refused(tmp_path: Path, attributes: str,
                                               message: str) -> None:
    with pytest.raises(SvgSizeError, match=re.escape(message)):
        svg_size(svg(tmp_path, attributes))


def test_a_file_is_hashed_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"\x89PNG" + bytes(range(256)) * 40_000)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()

    def whole(self: Path) -> bytes:
        raise AssertionError("the whole file read into memory")

    monkeypatch.setattr(Path, "read_bytes", whole)
    assert file_sha256(path) == expected
