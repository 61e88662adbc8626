"""A PEP 517 build backend written against the standard library only.

worldfarm's Python client has no dependencies, and the machines that train with it
are often offline: pip's default build isolation would otherwise try to download
setuptools. This backend builds the pure-Python wheel, editable wheel and sdist of
the one package next to it, reading name, version, summary and Requires-Python from
pyproject.toml's [project] table (tomllib is 3.11+; the package supports 3.9).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

_ROOT = Path(__file__).resolve().parent
_PACKAGE = "worldfarm"


def _project() -> Tuple[str, str, str, str]:
    """Name, version, summary and Requires-Python from pyproject.toml's [project] table."""
    text = (_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]

    def field(key: str) -> str:
        match = re.search(rf'^{key}\s*=\s*"([^"]*)"', section, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"pyproject.toml: [project] has no {key}")
        return match.group(1)

    return field("name"), field("version"), field("description"), field("requires-python")


def _metadata() -> str:
    name, version, summary, requires_python = _project()
    readme = (_ROOT / "README.md").read_text(encoding="utf-8")
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
        f"Requires-Python: {requires_python}\nLicense: Apache-2.0\n"
        f"Description-Content-Type: text/markdown\n\n{readme}"
    )


def _package_files() -> List[Path]:
    return sorted(p for p in (_ROOT / _PACKAGE).rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _write_wheel(wheel_directory: str, files: Dict[str, bytes]) -> str:
    name, version, _, _ = _project()
    dist_info = f"{name}-{version}.dist-info"
    files = dict(files)
    files[f"{dist_info}/METADATA"] = _metadata().encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: worldfarm stdlib_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
    return filename


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing to install before building: the point of this backend."""
    return []


get_requires_for_build_sdist = get_requires_for_build_wheel
get_requires_for_build_editable = get_requires_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """The package's modules under their own names, plus the dist-info pip needs."""
    files = {p.relative_to(_ROOT).as_posix(): p.read_bytes() for p in _package_files()}
    return _write_wheel(wheel_directory, files)


def build_editable(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """A wheel whose only module is a .pth line putting this folder on sys.path (PEP 660)."""
    name, _, _, _ = _project()
    return _write_wheel(wheel_directory, {f"{name}.pth": f"{_ROOT}\n".encode()})


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    """pyproject.toml, this backend, the README and the package, under name-version/."""
    name, version, _, _ = _project()
    base = f"{name}-{version}"
    filename = f"{base}.tar.gz"
    members = [_ROOT / "pyproject.toml", _ROOT / "stdlib_backend.py", _ROOT / "README.md", *_package_files()]
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        pkg_info = _metadata().encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(pkg_info)
        sdist.addfile(info, io.BytesIO(pkg_info))
        for path in members:
            sdist.add(path, arcname=f"{base}/{path.relative_to(_ROOT).as_posix()}", recursive=False)
    return filename
