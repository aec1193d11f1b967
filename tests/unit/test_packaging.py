"""Desktop integration files: named after the application id, consistent with the package,
and one version everywhere (``smtpwizard.__version__``)."""

from __future__ import annotations

import configparser
import re
import struct
import tomllib
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest

from smtpwizard import __version__
from smtpwizard.gui.app import APP_ID

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
CHANGELOG = ROOT / "packaging" / "CHANGELOG.md"
REPOSITORY = "https://github.com/smtpwizard/smtpwizard"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def metainfo() -> ET.ElementTree:
    return ET.parse(METAINFO)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def hicolor_png(size: int) -> Path:
    return RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def changelog_releases() -> list[tuple[str, str]]:
    """(version, date) of each release in the CHANGELOG, newest first."""
    text = CHANGELOG.read_text(encoding="utf-8")
    return re.findall(r"^## (\d+\.\d+\.\d+\S*) — (\d{4}-\d{2}-\d{2})$", text, re.MULTILINE)


def test_desktop_file_launches_the_console_script_with_the_app_icon() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "SMTP Wizard"
    assert entry["Exec"] in pyproject()["project"]["scripts"]
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"


def test_desktop_file_has_one_main_category_and_terminated_lists() -> None:
    entry = desktop_entry()
    main_categories = {"Network", "Utility", "Office", "System", "Development", "Settings"}
    categories = entry["Categories"].split(";")
    assert categories[-1] == "", "lists in a .desktop file end with a semicolon"
    assert len(main_categories.intersection(categories)) == 1
    assert entry["Keywords"].endswith(";")


def test_metainfo_names_the_app_and_its_desktop_file() -> None:
    root = metainfo().getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    launchable = root.find("launchable")
    assert launchable is not None
    assert launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    assert root.findtext("provides/binary") == desktop_entry()["Exec"]
    assert root.findtext("name") == desktop_entry()["Name"]


def test_metainfo_licence_and_links_match_the_project() -> None:
    root = metainfo().getroot()
    assert root.findtext("project_license") == pyproject()["project"]["license"]
    assert root.findtext("metadata_license") == "CC0-1.0"
    urls = {url.get("type"): url.text for url in root.iter("url")}
    assert urls["homepage"] == REPOSITORY
    assert urls["bugtracker"] == f"{REPOSITORY}/issues"
    assert root.find("content_rating") is not None


def test_metainfo_screenshots_are_the_repository_files() -> None:
    images = [image.text or "" for image in metainfo().getroot().iter("image")]
    assert images
    raw = REPOSITORY.replace("github.com", "raw.githubusercontent.com") + "/main/"
    for url in images:
        assert url.startswith(raw), url
        assert (ROOT / url.removeprefix(raw)).is_file(), url
    shipped = sorted(p.relative_to(ROOT).as_posix() for p in (RESOURCES / "screenshots").glob("*"))
    assert sorted(url.removeprefix(raw) for url in images) == shipped


def test_newest_release_is_the_package_version_in_metainfo_and_changelog() -> None:
    releases = [
        (release.get("version"), release.get("date"))
        for release in metainfo().getroot().iter("release")
    ]
    assert releases[0][0] == __version__
    assert changelog_releases()[0][0] == __version__
    assert releases == changelog_releases(), "the metainfo lists the CHANGELOG's releases"


def test_hicolor_pngs_have_their_sizes() -> None:
    for size in HICOLOR_SIZES:
        assert png_size(hicolor_png(size).read_bytes()) == (size, size)


def test_windows_and_macos_icons_hold_the_same_pictures() -> None:
    pngs = {size: hicolor_png(size).read_bytes() for size in HICOLOR_SIZES}

    ico = (ROOT / "packaging" / "icons" / "smtpwizard.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, height, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * index : 22 + 16 * index]
        )
        size = width or 256
        assert (width, height) == (size % 256, size % 256)
        assert ico[offset : offset + length] == pngs[size]
        sizes.append(size)
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]

    icns = (ROOT / "packaging" / "icons" / "smtpwizard.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)
    position, elements = 8, {}
    while position < len(icns):
        kind_bytes = icns[position : position + 4]
        (length,) = struct.unpack(">I", icns[position + 4 : position + 8])
        elements[kind_bytes] = icns[position + 8 : position + length]
        position += length
    assert png_size(elements[b"ic10"]) == (1024, 1024)
    for kind_bytes, size in ((b"icp4", 16), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512)):
        assert elements[kind_bytes] == pngs[size]


@pytest.mark.parametrize(
    "name",
    [
        "providers.json",
        "icons/smtpwizard.svg",
        f"{APP_ID}.desktop",
        f"{APP_ID}.metainfo.xml",
        *(f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png" for n in HICOLOR_SIZES),
    ],
)
def test_package_data_carries_the_resource(name: str) -> None:
    patterns = pyproject()["tool"]["setuptools"]["package-data"]["smtpwizard.resources"]
    matched = {p for pattern in patterns for p in RESOURCES.glob(pattern) if p.is_file()}
    assert RESOURCES / name in matched


def test_package_data_leaves_the_screenshots_out() -> None:
    patterns = pyproject()["tool"]["setuptools"]["package-data"]["smtpwizard.resources"]
    matched = {p for pattern in patterns for p in RESOURCES.glob(pattern) if p.is_file()}
    assert not [p for p in matched if "screenshots" in p.parts]


def test_every_package_of_the_source_is_installed() -> None:
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "smtpwizard").rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)


def test_resources_are_read_from_their_folder_or_through_importlib(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From the folder on disk where the package is one; through importlib.resources where
    it is not (a zipped package): the same bytes, and never outside the folder."""
    from smtpwizard import resources_access

    on_disk = resources_access.resource("providers.json")
    assert isinstance(on_disk, Path)
    assert on_disk.read_bytes() == (RESOURCES / "providers.json").read_bytes()
    monkeypatch.setattr(resources_access, "_folder", lambda: None)
    through_importlib = resources_access.resource("icons/smtpwizard.svg")
    assert not isinstance(through_importlib, Path) or through_importlib.is_file()
    assert through_importlib.read_bytes() == (RESOURCES / "icons/smtpwizard.svg").read_bytes()
    for name in ("../pyproject.toml", "/etc/passwd", ""):
        with pytest.raises(ValueError, match="not a resource name"):
            resources_access.resource(name)
