"""One output policy for every command: check first, stage, then install all at once.

An :class:`OutputPlan` is made before any work starts.  Every output path is
checked when it is added to the plan:

- it must not be an input of the run (same file after resolving links) nor
  the path of another output;
- it must be a writable place (a probe file is created and removed), within
  the file system's name and path limits, and not a folder, FIFO, device or
  symbolic link;
- an existing file is replaced only with ``force``, or when the same command
  wrote it before and nobody changed it since (the small JSON manifest
  :data:`MANIFEST_NAME` in the output folder records what was written);
- ``-`` means standard output, for the formats that allow it.

The work then stages every file in a temporary beside its target (one
temporary folder beside a multi-file output folder).  :meth:`OutputPlan.commit`
installs them only once all were staged, by rename; if one rename fails the
files already replaced are put back.  A failed or interrupted run therefore
leaves every existing file as it was and removes its temporaries.  Temporary
names start with :data:`TMP_PREFIX` and the process id and end with a mark
hashed from their inode, so only those of a killed run are ever removed.  A
target that appears while the run works is left alone (checked at install);
a user's own :data:`MANIFEST_NAME` is never overwritten.  ``force`` never
deletes what routeplanner did not write: entries (empty folders too) of an
output folder that are not in its manifest stay, and are reported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routeplanner._docstrings import fill
from routeplanner._io import TMP_PREFIX, clean_stale_temporaries, make_temp_path
from routeplanner.errors import InputError

__all__ = [
    "MANIFEST_NAME",
    "TMP_PREFIX",
    "CommitReport",
    "OutputPlan",
    "Target",
    "clean_stale_temporaries",
    "make_temp_path",
]

log = logging.getLogger(__name__)

#: The manifest of what routeplanner wrote into a folder.
MANIFEST_NAME = ".routeplanner.json"
_MANIFEST_FORMAT = 1
_GENERATOR = "routeplanner"
_STDOUT = "-"
# What OutputPlan.add_file and add_folder share (routeplanner._docstrings.fill).
_ADD_DOCS = {
    "option_params": 'Parameters\n----------\noption\n    Option name for messages (``"--gpx"``).',
    "target_returns": "Returns\n-------\nTarget\n    The planned output.",
}


@dataclass(frozen=True)
class Target:
    """One planned output.

    Attributes
    ----------
    option : str
        The option that named it (``--gpx``), for messages.
    path : Path or None
        Absolute path (link-free parent); ``None`` for standard output.
    folder : bool
        A multi-file output folder rather than one file.
    given : str
        The path as the user gave it, for messages.
    names : callable or None
        For a folder: which relative paths the command may write (``None``: any).
        Entries outside them are not the command's business: never touched, never
        reported.
    """

    option: str
    path: Path | None
    folder: bool = False
    given: str = _STDOUT
    names: Callable[[str], bool] | None = field(default=None, compare=False)

    @property
    def stdout(self) -> bool:
        """Whether the output goes to standard output."""
        return self.path is None

    def __str__(self) -> str:
        return self.given


@dataclass(frozen=True)
class CommitReport:
    """What :meth:`OutputPlan.commit` did.

    Attributes
    ----------
    written : tuple of Path
        Files (and output folders) installed, in the order they were added.
    kept : tuple of Path
        Entries of output folders that routeplanner did not write, left in place.
    """

    written: tuple[Path, ...]
    kept: tuple[Path, ...] = ()


@dataclass
class _Staged:
    target: Target
    temp: Path | None = None  # a file, or the staging folder of a folder output
    data: bytes | None = None  # standard output


@dataclass
class _Manifest:
    folder: Path
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    foreign: bool = False  # a file of that name that routeplanner did not write

    @classmethod
    def read(cls, folder: Path) -> _Manifest:
        p = folder / MANIFEST_NAME
        if not os.path.lexists(p):
            return cls(folder)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
            files = doc["files"]
            ours = (
                _is_regular(p)
                and set(doc) <= {"format", "files", "generator"}
                and doc["format"] == _MANIFEST_FORMAT
                and doc.get("generator", _GENERATOR) == _GENERATOR
                and isinstance(files, dict)
                and all(isinstance(v, dict) and "sha256" in v for v in files.values())
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            ours = False
        if not ours:
            return cls(folder, foreign=True)
        return cls(folder, dict(files))

    def owns(self, rel: str, command: str) -> bool:
        """Whether ``command`` wrote ``folder/rel`` and nobody changed it since."""
        entry = self.files.get(rel)
        p = self.folder / rel
        if entry is None or entry.get("command") != command or not _is_regular(p):
            return False
        return entry.get("size") == p.stat().st_size and entry.get("sha256") == _sha256(p)

    def owned_by_any(self, rel: str) -> bool:
        entry = self.files.get(rel)
        return entry is not None and self.owns(rel, str(entry.get("command")))

    def record(self, rel: str, command: str, path: Path) -> None:
        self.files[rel] = {
            "command": command,
            "size": path.stat().st_size,
            "sha256": _sha256(path),
        }

    def text(self) -> str:
        doc = {
            "format": _MANIFEST_FORMAT,
            "generator": _GENERATOR,
            "files": dict(sorted(self.files.items())),
        }
        return json.dumps(doc, indent=1) + "\n"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_regular(p: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(p).st_mode)
    except OSError:
        return False


def _name_limits(folder: Path) -> tuple[int, int]:
    try:
        return os.pathconf(folder, "PC_NAME_MAX"), os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError):
        return 255, 4096


def _probe_writable(folder: Path, what: str) -> None:
    try:
        probe = make_temp_path(folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(f"cannot write {what}: {folder} is not writable ({reason})") from None
    probe.unlink(missing_ok=True)


def _kind(p: Path) -> str | None:
    """``None`` for a missing path or a regular file, else what it is."""
    try:
        mode = os.lstat(p).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISREG(mode):
        return None
    return "a special file"


class OutputPlan:
    """Every output of one command run: checked first, written all or nothing.

    Parameters
    ----------
    command
        The command's name (``loop``, ``group``); recorded in the manifest, so
        the same command may replace its own earlier outputs without ``force``.
    force
        Replace existing files that this command did not write.
    inputs
        The run's input files (more can be added with :meth:`add_inputs`).

    Examples
    --------
    >>> plan = OutputPlan("loop", inputs=["in.osm.pbf"])  # doctest: +SKIP
    >>> gpx = plan.add_file("--gpx", "out.gpx")  # doctest: +SKIP
    >>> plan.put(gpx, "<gpx/>")  # doctest: +SKIP
    >>> plan.commit().written  # doctest: +SKIP
    """

    def __init__(
        self,
        command: str,
        *,
        force: bool = False,
        inputs: Iterable[str | os.PathLike[str] | None] = (),
    ) -> None:
        self.command = command
        self.force = force
        self.targets: list[Target] = []
        self._inputs: list[Path] = []
        self._staged: dict[Target, _Staged] = {}
        self._cleaned: set[Path] = set()
        self._seen: dict[Path, tuple[int, int, int] | None] = {}  # each file target when planned
        self._done = False
        self.add_inputs(*inputs)

    # -- planning ---------------------------------------------------------------

    @property
    def uses_stdout(self) -> bool:
        """Whether an output goes to standard output."""
        return any(t.stdout for t in self.targets)

    def add_inputs(self, *paths: str | os.PathLike[str] | None) -> None:
        """Add input files of the run; refuse them if an output already names one.

        Raises
        ------
        InputError
            If a planned output is one of these files.
        """
        for raw in paths:
            if raw is None or str(raw) in ("", _STDOUT):
                continue
            p = Path(raw)
            self._inputs.append(p)
            for t in self.targets:
                self._check_not_input(t, [p])

    @fill(**_ADD_DOCS)
    def add_file(
        self, option: str, value: str | os.PathLike[str], *, stdout: bool = True
    ) -> Target:
        """Plan one output file.

        %(option_params)s
        value
            The path as given; ``-`` is standard output.
        stdout
            Whether this format may go to standard output.

        %(target_returns)s

        Raises
        ------
        InputError
            If the path may not be written (see the module's description).
        """
        text = os.fspath(value)
        if text == _STDOUT:
            if not stdout:
                raise InputError(f"{option} -: this output cannot go to standard output")
            if self.uses_stdout:
                other = next(t.option for t in self.targets if t.stdout)
                raise InputError(f"{option} - and {other} -: only one output can use stdout")
            target = Target(option, None)
            self.targets.append(target)
            return target
        if not text.strip():
            raise InputError(f"{option}: empty file name")
        if text.endswith(("/", os.sep)):  # Path() would drop the slash and write a file
            raise InputError(f"{option} {text}: it names a folder; give a file name")
        path = self._resolve(Path(text))
        target = Target(option, path, given=text)
        self._check_not_input(target, self._inputs)
        self._check_place(option, path)
        self._check_unique(target)
        self._check_replace(target)
        self._seen[path] = _signature(path)
        self.targets.append(target)
        return target

    @fill(**_ADD_DOCS)
    def add_folder(
        self,
        option: str,
        value: str | os.PathLike[str],
        *,
        names: Callable[[str], bool] | None = None,
    ) -> Target:
        """Plan a multi-file output folder (created, or updated in place).

        %(option_params)s
        value
            The folder.
        names
            Which relative paths the command may write (``None``: any).  An
            existing folder is refused without ``force`` if such an entry is
            there and this command did not write it.

        %(target_returns)s

        Raises
        ------
        InputError
            If the folder may not be written: not a folder, a link, holding an
            input, or (without ``force``) holding files this command did not write.
        """
        text = os.fspath(value)
        if not text.strip() or text == _STDOUT:
            raise InputError(f"{option}: give a folder name")
        path = self._resolve(Path(text))
        target = Target(option, path, folder=True, given=text, names=names)
        self._check_names(option, path)
        self._check_not_input(target, self._inputs)
        kind = _kind(path)
        if kind not in (None, "a folder"):
            raise InputError(f"{option} {text}: {path} is {kind}, not a folder")
        if path.exists() and not path.is_dir():
            raise InputError(f"{option} {text}: {path} exists and is not a folder")
        parent = path.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise InputError(f"{option} {text}: {parent} is not a folder")
        self._clean(path.parent if path.parent.exists() else parent)
        _probe_writable(path if path.is_dir() else parent, f"{option} {text}")
        self._check_unique(target)
        if path.is_dir():
            self._clean(path)
            if _Manifest.read(path).foreign:
                raise InputError(
                    f"output folder {text} holds a {MANIFEST_NAME} that routeplanner did not "
                    "write (it is where routeplanner records its outputs): move it or choose "
                    "another folder"
                )
            foreign = [] if self.force else self._foreign(path, names)
            if foreign:
                shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
                raise InputError(
                    f"output folder {text} already exists and holds files routeplanner "
                    f"{self.command} did not write ({shown}): use --force to write into it "
                    "(it replaces files of the same names and keeps the others)"
                )
        self.targets.append(target)
        return target

    def _foreign(self, path: Path, names: Callable[[str], bool] | None) -> list[str]:
        man = _Manifest.read(path)
        return [
            rel
            for rel in _walk_files(path, dirs=True)
            if rel != MANIFEST_NAME
            and (names is None or names(rel))
            and not man.owns(rel, self.command)
        ]

    @staticmethod
    def _resolve(p: Path) -> Path:
        p = Path(os.path.expanduser(p))
        return Path(os.path.realpath(p.parent)) / p.name if p.name else Path(os.path.realpath(p))

    def _clean(self, folder: Path) -> None:
        if folder not in self._cleaned:
            self._cleaned.add(folder)
            clean_stale_temporaries(folder)

    @staticmethod
    def _check_names(option: str, path: Path) -> None:
        folder = path.parent
        while not folder.exists():
            folder = folder.parent
        name_max, path_max = _name_limits(folder)
        for part in path.parts:
            n = len(os.fsencode(part))
            if n > name_max:
                raise InputError(
                    f"{option}: the name {part[:40]}… is {n} bytes long; this file system "
                    f"allows {name_max}"
                )
        n = len(os.fsencode(str(path)))
        if n >= path_max:
            raise InputError(f"{option}: the path is {n} bytes long; the limit is {path_max - 1}")

    def _check_place(self, option: str, path: Path) -> None:
        self._check_names(option, path)
        kind = _kind(path)
        if kind is not None:
            raise InputError(f"{option} {path}: it is {kind}; give a regular file name")
        folder = path.parent
        if not folder.is_dir():
            raise InputError(f"{option} {path}: output folder does not exist: {folder}")
        self._clean(folder)
        _probe_writable(folder, f"{option} {path}")

    def _check_unique(self, target: Target) -> None:
        assert target.path is not None
        for t in self.targets:
            if t.path is None:
                continue
            same = t.path == target.path or _samefile(t.path, target.path)
            inside = t.folder != target.folder and (
                _is_within(target.path, t.path) or _is_within(t.path, target.path)
            )
            if same or inside:
                raise InputError(
                    f"{t.option} and {target.option} both write {target.path}: "
                    "give each output its own path"
                )

    @staticmethod
    def _check_not_input(target: Target, inputs: Iterable[Path]) -> None:
        if target.path is None:
            return
        for inp in inputs:
            real = Path(os.path.realpath(inp))
            same = real == target.path or _samefile(inp, target.path)
            if same or (target.folder and _is_within(real, target.path)):
                what = "is" if same else "holds"
                raise InputError(
                    f"{target.option} {target.path} {what} the input {inp}: "
                    "an output never replaces an input; choose another path"
                )

    def _check_replace(self, target: Target) -> None:
        assert target.path is not None
        if self.force or not target.path.exists():
            return
        if _Manifest.read(target.path.parent).owns(target.path.name, self.command):
            return
        raise InputError(
            f"{target.option} {target.path}: the file exists and routeplanner {self.command} "
            "did not write it; use --force to replace it"
        )

    def target_for(self, given: str | os.PathLike[str]) -> Target:
        """Return the planned output named ``given`` (as it was added).

        Raises
        ------
        KeyError
            If no output of that name was planned.
        """
        text = os.fspath(given)
        for t in self.targets:
            if t.given == text:
                return t
        raise KeyError(f"{text} is not a planned output")

    # -- staging ----------------------------------------------------------------

    def put(self, target: Target, data: str | bytes) -> None:
        """Stage the whole content of one output file (written at :meth:`commit`)."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if target.stdout:
            self._staged[target] = _Staged(target, data=raw)
            return
        assert target.path is not None and not target.folder
        staged = self._staged.get(target) or _Staged(target, make_temp_path(target.path.parent))
        self._staged[target] = staged
        assert staged.temp is not None
        with open(staged.temp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())

    def staging_folder(self, target: Target) -> Path:
        """Return the temporary folder to fill for a folder output (made on first use)."""
        assert target.folder and target.path is not None
        staged = self._staged.get(target)
        if staged is None:
            parent = target.path.parent
            parent.mkdir(parents=True, exist_ok=True)
            staged = _Staged(target, make_temp_path(parent, directory=True))
            self._staged[target] = staged
        assert staged.temp is not None
        return staged.temp

    def put_in(self, target: Target, name: str, data: str | bytes) -> Path:
        """Stage one file of a folder output; ``name`` is relative (``a/b.gpx`` allowed)."""
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts or name == MANIFEST_NAME:
            raise InputError(f"invalid output file name {name!r}")
        dest = self.staging_folder(target) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return target.path / rel if target.path is not None else dest

    # -- installing -------------------------------------------------------------

    def discard(self) -> None:
        """Remove every staged temporary; nothing outside them was touched."""
        for staged in self._staged.values():
            if staged.temp is None:
                continue
            if staged.temp.is_dir():
                shutil.rmtree(staged.temp, ignore_errors=True)
            else:
                staged.temp.unlink(missing_ok=True)
        self._staged.clear()

    def __enter__(self) -> OutputPlan:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None or not self._done:
            self.discard()

    def commit(self) -> CommitReport:
        """Install every staged output, all or nothing, then write to stdout.

        Returns
        -------
        CommitReport
            Files and folders written, and foreign entries left in place.

        Raises
        ------
        InputError
            If a folder output would have to replace a file it may not (found
            only now because its names were not known before); nothing changed.
        """
        try:
            files = [s for s in self._staged.values() if s.temp is not None and not s.target.folder]
            folders = [s for s in self._staged.values() if s.target.folder]
            jobs = [_FolderJob(s, self.command, force=self.force) for s in folders]
            kept = [p for job in jobs for p in job.reported]
            self._install_files(files)
            for job in jobs:
                job.install()
        except BaseException:
            self.discard()
            raise
        self._done = True
        for s in self._staged.values():
            if s.data is not None:
                sys.stdout.buffer.write(s.data)
                sys.stdout.flush()
        for p in kept:
            log.warning("left %s in place: routeplanner did not write it", p)
        order = {t: i for i, t in enumerate(self.targets)}
        written = [
            Path(s.target.given)
            for s in sorted(self._staged.values(), key=lambda s: order.get(s.target, 0))
            if s.target.path is not None
        ]
        self._staged.clear()
        return CommitReport(tuple(written), tuple(kept))

    def _check_unchanged(self, target: Target) -> None:
        """Refuse a target that appeared or changed while the run worked: it is someone's."""
        assert target.path is not None
        if _signature(target.path) != self._seen.get(target.path):
            raise InputError(
                f"{target.option} {target.path}: the file appeared or changed while "
                "routeplanner worked; it was left as it is and nothing was written"
            )

    def _install_files(self, files: list[_Staged]) -> None:
        """Rename staged files into place; on failure put back what was replaced."""
        backups: list[tuple[Path, Path | None]] = []
        try:
            for s in files:
                self._check_unchanged(s.target)
            for s in files:
                assert s.target.path is not None and s.temp is not None
                dest = s.target.path
                backup = None
                if dest.exists():
                    backup = make_temp_path(dest.parent, link_to=dest)
                    backups.append((dest, backup))
                    os.replace(s.temp, dest)
                else:
                    os.link(s.temp, dest)  # fails, replacing nothing, if it appeared just now
                    backups.append((dest, backup))
                    s.temp.unlink()
        except BaseException:
            for dest, backup in reversed(backups):
                if backup is None:
                    dest.unlink(missing_ok=True)
                elif _samefile(backup, dest):  # not replaced yet (rename would do nothing)
                    backup.unlink()
                else:
                    os.replace(backup, dest)
            raise
        for _dest, backup in backups:
            if backup is not None:
                backup.unlink(missing_ok=True)
        _record(files, self.command)


def _record(files: list[_Staged], command: str) -> None:
    """Record installed files in their folders' manifests (never in a user's own file)."""
    by_folder: dict[Path, list[Path]] = {}
    for s in files:
        assert s.target.path is not None
        by_folder.setdefault(s.target.path.parent, []).append(s.target.path)
    for folder, paths in by_folder.items():
        man = _Manifest.read(folder)
        if man.foreign:  # the user's own file of that name is never replaced
            log.warning(
                "did not record the outputs in %s: routeplanner did not write that file",
                folder / MANIFEST_NAME,
            )
            continue
        for p in paths:
            man.record(p.name, command, p)
        try:
            _write_manifest(man)
        except OSError as exc:  # the outputs are in place; only the record is missing
            log.warning("could not record the outputs in %s (%s)", folder / MANIFEST_NAME, exc)


def _write_manifest(man: _Manifest) -> None:
    tmp = make_temp_path(man.folder)
    try:
        tmp.write_text(man.text(), encoding="utf-8")
        os.replace(tmp, man.folder / MANIFEST_NAME)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _signature(p: Path) -> tuple[int, int, int] | None:
    """Inode, size and modification time of a path, or None if nothing is there."""
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _samefile(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _is_within(p: Path, folder: Path) -> bool:
    return p != folder and folder in p.parents


def _walk_files(root: Path, *, dirs: bool = False) -> list[str]:
    """Relative paths of every non-folder entry under ``root`` (links not followed).

    With ``dirs``, empty folders are listed too.
    """
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        links = [d for d in dirnames if Path(dirpath, d).is_symlink()]
        for name in filenames + links:
            out.append((rel_dir / name).as_posix())
        dirnames[:] = [d for d in dirnames if d not in links]
        if dirs and not filenames and not dirnames and rel_dir != Path("."):
            out.append(rel_dir.as_posix())
    return sorted(out)


class _FolderJob:
    """Install a staged folder: swap it in, or file by file beside foreign entries."""

    def __init__(self, staged: _Staged, command: str, *, force: bool) -> None:
        assert staged.target.path is not None and staged.temp is not None
        self.target = staged.target
        self.dest = staged.target.path
        self.stage = staged.temp
        self.command = command
        self.new = [r for r in _walk_files(self.stage) if r != MANIFEST_NAME]
        self.man = _Manifest.read(self.dest) if self.dest.is_dir() else _Manifest(self.dest)
        self.kept: list[Path] = []
        self.obsolete: list[str] = []
        if not self.dest.is_dir():
            return
        # Empty folders count too: --force never removes a folder it did not make.
        existing = [r for r in _walk_files(self.dest, dirs=True) if r != MANIFEST_NAME]
        new_set = set(self.new)
        for rel in self.new:
            self._check_dest(rel, force=force)
        for rel in existing:
            if rel in new_set:
                continue
            if self.man.owns(rel, command):
                self.obsolete.append(rel)
            else:
                self.kept.append(self.dest / rel)

    @property
    def reported(self) -> list[Path]:
        """Kept entries worth telling about: those within the command's own names."""
        names = self.target.names
        if names is None:
            return list(self.kept)
        return [p for p in self.kept if names(p.relative_to(self.dest).as_posix())]

    def _check_dest(self, rel: str, *, force: bool) -> None:
        dest = self.dest / rel
        for parent in reversed(dest.relative_to(self.dest).parents[:-1]):
            kind = _kind(self.dest / parent)
            if kind is not None and kind != "a folder":
                raise InputError(f"{self.target.option}: {self.dest / parent} is {kind}")
        kind = _kind(dest)
        if kind is not None:
            raise InputError(
                f"{self.target.option}: {dest} is {kind}; routeplanner {self.command} writes "
                "a file there and never deletes what it did not write"
            )
        if dest.exists() and not force and not self.man.owns(rel, self.command):
            raise InputError(
                f"{self.target.option}: {dest} exists and routeplanner {self.command} did not "
                "write it; use --force to replace it"
            )

    def install(self) -> None:
        man = _Manifest(self.dest, dict(self.man.files))
        for rel in self.obsolete:
            man.files.pop(rel, None)
        for rel in self.new:
            man.record(rel, self.command, self.stage / rel)
        for rel in list(man.files):
            if rel not in self.new and not (self.dest / rel).exists():
                man.files.pop(rel)
        (self.stage / MANIFEST_NAME).write_text(man.text(), encoding="utf-8")
        if not self.dest.exists():
            os.replace(self.stage, self.dest)
            return
        if not self.kept:  # everything in it is ours: swap the folders
            old = make_temp_path(self.dest.parent, directory=True)
            os.replace(self.dest, old)
            try:
                os.replace(self.stage, self.dest)
            except BaseException:
                os.replace(old, self.dest)
                raise
            shutil.rmtree(old, ignore_errors=True)
            return
        for rel in self.new:  # foreign entries stay: move the new files in one by one
            (self.dest / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.stage / rel, self.dest / rel)
        for rel in self.obsolete:
            (self.dest / rel).unlink(missing_ok=True)
        os.replace(self.stage / MANIFEST_NAME, self.dest / MANIFEST_NAME)
        shutil.rmtree(self.stage, ignore_errors=True)
