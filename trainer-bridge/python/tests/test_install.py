"""`pip install ./trainer-bridge/python` works offline: the stdlib backend builds a wheel pip installs and Python imports."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def _has_pip() -> bool:
    return subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0


class InstallTest(unittest.TestCase):
    @unittest.skipUnless(_has_pip(), "pip is not installed for this Python")
    def test_pip_installs_offline_with_build_isolation(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            env = {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PATH": "/usr/bin:/bin"}
            run = subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--target", f"{tmp}/site", str(PACKAGE)],
                                 capture_output=True, text=True, timeout=120, env=env)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            check = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {tmp + '/site'!r}); import worldfarm; print(worldfarm.__file__)"],
                                   capture_output=True, text=True, timeout=60, cwd=tmp)
            self.assertEqual(check.returncode, 0, check.stderr)
            self.assertTrue(check.stdout.startswith(f"{tmp}/site/worldfarm/"), check.stdout)

    def test_the_backend_builds_a_wheel_with_every_module_and_a_record(self) -> None:
        sys.path.insert(0, str(PACKAGE))
        try:
            import stdlib_backend
        finally:
            sys.path.remove(str(PACKAGE))
        with tempfile.TemporaryDirectory() as tmp:
            name = stdlib_backend.build_wheel(tmp)
            self.assertEqual(name, "worldfarm-0.1.0-py3-none-any.whl")
            with zipfile.ZipFile(Path(tmp) / name) as wheel:
                names = set(wheel.namelist())
                record = wheel.read("worldfarm-0.1.0.dist-info/RECORD").decode()
            modules = {p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "worldfarm").glob("*.py")}
            self.assertTrue(modules <= names, modules - names)
            self.assertFalse(any("tests/" in n or "__pycache__" in n for n in names))
            self.assertTrue(all(f"{m},sha256=" in record for m in modules))
            sdist = stdlib_backend.build_sdist(tmp)
            self.assertEqual(sdist, "worldfarm-0.1.0.tar.gz")


if __name__ == "__main__":
    unittest.main()
