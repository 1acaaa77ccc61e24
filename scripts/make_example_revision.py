"""Write examples/revision-2/: the bundled inventory as a later delivery would bring it back,
with one road widened, one removed, one added and one cultural house moved 10 m north (the
store's example in the README; the builder is the one the store tests use,
``tests/_store_support.py``).

Run: .venv/bin/python scripts/make_example_revision.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "revision-2"


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import tempfile

    from _store_support import second_delivery

    with tempfile.TemporaryDirectory() as tmp:
        folder, _ = second_delivery(Path(tmp))
        shutil.rmtree(OUT, ignore_errors=True)
        shutil.copytree(folder, OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
