"""Copy the npm-installed browser assets Huike serves into huike/static/vendor.

Only the built files a page loads are copied; the folder is git-ignored because third-party
files are installed, never committed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "frontend" / "node_modules"
TARGET = ROOT / "huike" / "static" / "vendor"

#: (source inside node_modules, destination inside static/vendor)
FILES = [
    ("@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"),
    ("@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"),
    ("@tabler/icons-webfont/dist/tabler-icons.min.css", "tabler-icons/tabler-icons.min.css"),
    ("@tabler/icons-webfont/dist/fonts", "tabler-icons/fonts"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("alpinejs/dist/cdn.min.js", "alpinejs/alpine.min.js"),
    ("tom-select/dist/js/tom-select.complete.min.js", "tom-select/tom-select.complete.min.js"),
    (
        "tom-select/dist/css/tom-select.bootstrap5.min.css",
        "tom-select/tom-select.bootstrap5.min.css",
    ),
    ("sortablejs/Sortable.min.js", "sortablejs/Sortable.min.js"),
]


def main() -> None:
    for source, dest in FILES:
        src, dst = MODULES / source, TARGET / dest
        if not src.exists():
            raise SystemExit(f"missing {src}: run `npm ci` in frontend/ first")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
            continue
        shutil.copy2(src, dst)
        # The manifest storage follows sourceMappingURL comments; a missing map breaks
        # `collectstatic`, so the map travels with its file.
        source_map = src.with_name(src.name + ".map")
        if source_map.exists():
            shutil.copy2(source_map, dst.with_name(dst.name + ".map"))


if __name__ == "__main__":
    main()
