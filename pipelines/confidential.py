"""Who may read what the pipeline writes: its owner and one group, nobody else.

The warehouse, its spare, the build, the archive, the run history, dbt's folders, the logs and
the reports hold every enterprise's figures, which the Statistics Law keeps confidential. They
are created readable by the owner and the group PARKS_GROUP (a group name or a gid; default the
owner's primary group) only: files FILE_MODE, folders FOLDER_MODE, whatever the umask of the
shell that started the run. The public warehouse (Paths.public) alone is readable by all.

How: `restrict()` sets the umask at the start of a command (dbt and every other child process
inherit it); files the pipeline copies or opens itself are created with `open_private`; and
`apply()` brings every file of the pipeline's places into line (mode and group), at the start
and at the end of `parks run`. The landing folder is left as the bureau's delivery made it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import Paths

try:
    import grp
except ImportError:  # Windows: no modes nor groups; its folders' access lists decide
    grp = None

FILE_MODE = 0o640  # owner reads and writes, the group reads
FOLDER_MODE = 0o750  # owner, and the group may list and enter
PUBLIC_FILE_MODE = 0o644  # what may leave the bureau: readable by every account
UMASK = 0o777 & ~FOLDER_MODE  # new files 0666 & ~UMASK = FILE_MODE, new folders FOLDER_MODE
GROUP_VARIABLE = "PARKS_GROUP"


class GroupError(RuntimeError):
    """PARKS_GROUP names no group, or one the user cannot give files to."""


def restrict() -> int:
    """Create everything from now on (in this process and the ones it starts) with the modes of
    the policy. Returns the umask it replaced."""
    return os.umask(UMASK)


def group() -> int:
    """The gid files are given: PARKS_GROUP (a name or a gid), else the user's primary group.
    Raises GroupError with what to do when the user is not a member of it."""
    named = os.environ.get(GROUP_VARIABLE, "").strip()
    if grp is None:
        return -1
    if not named:
        return os.getegid()
    try:
        gid = int(named) if named.isdigit() else grp.getgrnam(named).gr_gid
    except KeyError:
        raise GroupError(
            f"{GROUP_VARIABLE}={named}: there is no such group on this machine. Set "
            f"{GROUP_VARIABLE} to the group of the bureau's staff who may read the microdata "
            f"(see `getent group`), or unset it to use your primary group"
        ) from None
    if os.geteuid() != 0 and gid != os.getegid() and gid not in os.getgroups():
        user = _user_name()
        raise GroupError(
            f"{GROUP_VARIABLE}={named}: you ({user}) are not a member of group {named}, so the "
            f"pipeline cannot give its files to it. Ask an administrator to add you "
            f"(`sudo usermod -aG {_group_name(gid)} {user}`) and log in again, or unset "
            f"{GROUP_VARIABLE} to use your primary group"
        )
    return gid


def open_private(path: Path, gid: int | None = None):
    """Open `path` for writing (created or truncated, binary) with FILE_MODE and the policy's
    group, whatever the umask: for the copies the pipeline makes itself (a copy by shutil keeps
    the source's mode, a landing file may be readable by all)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        if grp is None:
            return os.fdopen(fd, "wb")
        os.fchmod(fd, FILE_MODE)  # the umask may have taken more; an existing file kept its own
        wanted = group() if gid is None else gid
        if os.fstat(fd).st_gid != wanted:
            os.fchown(fd, -1, wanted)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def public_files(paths: Paths) -> set[Path]:
    """The files readable by every account: what may leave the bureau."""
    return {paths.public}


def places(paths: Paths) -> Iterator[Path]:
    """The files and folders the policy covers, each once, symbolic links not followed: the
    pipeline's own folders (archive, Dagster's, dbt's, logs, reports) with everything in them,
    the build's folder where it is inside the home, and beside the warehouse, the build and the
    public warehouse their own files (the spare, block records, WAL, DuckDB's spill folder), not
    the rest of the folders they lie in. The landing folder is the bureau's delivery's."""
    trees = [paths.archive, paths.dagster, paths.dbt, paths.logs, paths.reports]
    build_folder = paths.build.parent
    if build_folder != paths.home and build_folder.is_relative_to(paths.home):
        trees.append(build_folder)
    for target in (paths.warehouse, paths.build, paths.public):
        folder = target.parent
        if folder.is_dir() and folder not in trees:
            for entry in folder.iterdir():
                if entry.name.startswith((target.name, f".{target.name}.")):
                    trees.append(entry)
    seen: set[Path] = set()
    for top in trees:
        if top == paths.landing or top in seen or not os.path.lexists(top):
            continue
        seen.add(top)
        yield top
        if top.is_dir() and not top.is_symlink():
            for folder, folders, files in os.walk(top):
                base = Path(folder)
                folders[:] = [f for f in folders if base / f != paths.landing]
                for name in folders + files:
                    seen.add(base / name)
                    yield base / name


def expected_mode(path: Path, st: os.stat_result, public: set[Path]) -> int:
    if stat.S_ISDIR(st.st_mode):
        return FOLDER_MODE
    return PUBLIC_FILE_MODE if path in public else FILE_MODE


@dataclass
class Sweep:
    """What `apply` changed, and what it could not."""

    home: Path
    files: int = 0  # files whose mode or group changed
    folders: int = 0
    modes: int = 0  # files and folders whose mode changed
    not_owned: list[Path] = field(default_factory=list)  # another user's: left as they are

    def describe(self) -> str | None:
        """One line for the terminal, or None where there was nothing to say."""
        parts = []
        if self.files or self.folders:
            parts.append(
                f"brought {_count(self.files, 'file')} and {_count(self.folders, 'folder')} under "
                f"{self.home} into line: files {FILE_MODE:04o}, folders {FOLDER_MODE:04o}, "
                f"readable by you and your group only ({GROUP_VARIABLE})"
            )
        if self.not_owned:
            parts.append(
                f"files of another user under {self.home} were left as they are "
                f"({len(self.not_owned)}, e.g. {self.not_owned[0]}): their owner or an "
                f"administrator should set them to {FILE_MODE:04o} (folders {FOLDER_MODE:04o})"
            )
        return "; ".join(parts) or None

    def describe_made(self) -> str:
        """What a sweep at the end of a run says of modes it had to change: the files were made
        around the policy (a library's own mode), a defect to report."""
        return (
            f"{self.modes} files or folders made during the run under {self.home} had modes other "
            f"than {FILE_MODE:04o} (folders {FOLDER_MODE:04o}): set; please report it"
        )


def apply(paths: Paths, gid: int | None = None) -> Sweep:
    """Give every file and folder of the pipeline's places the policy's mode and group. Symbolic
    links are not followed; what another user owns is counted, not changed."""
    gid = group() if gid is None else gid
    sweep = Sweep(paths.home)
    if grp is None:
        return sweep
    uid = os.geteuid()
    for path, st, mode in _states(paths):
        if stat.S_IMODE(st.st_mode) == mode and st.st_gid == gid:
            continue
        if st.st_uid != uid:
            sweep.not_owned.append(path)
            continue
        try:
            if st.st_gid != gid:
                os.chown(path, -1, gid, follow_symlinks=False)
            if stat.S_IMODE(st.st_mode) != mode:
                os.chmod(path, mode)
                sweep.modes += 1
        except FileNotFoundError:  # removed meanwhile
            continue
        except PermissionError:
            sweep.not_owned.append(path)
            continue
        if stat.S_ISDIR(st.st_mode):
            sweep.folders += 1
        else:
            sweep.files += 1
    return sweep


def out_of_line(paths: Paths) -> list[Path]:
    """The files and folders of the pipeline's places whose mode or group differ from the
    policy's (where PARKS_GROUP names no group, the mode alone)."""
    try:
        gid = group()
    except GroupError:
        gid = None
    return [
        path
        for path, st, mode in _states(paths)
        if stat.S_IMODE(st.st_mode) != mode or gid not in (None, st.st_gid)
    ]


def _states(paths: Paths) -> Iterator[tuple[Path, os.stat_result, int]]:
    """Each file and folder of the places (not the symbolic links), its state and its mode."""
    public = public_files(paths)
    for path in places(paths):
        try:
            st = os.lstat(path)
        except FileNotFoundError:  # removed meanwhile (a spare discarded in the background)
            continue
        if not stat.S_ISLNK(st.st_mode):
            yield path, st, expected_mode(path, st, public)


def listing(folder: Path) -> list[tuple[str, str, str]]:
    """Every file and folder under `folder` (symbolic links not followed): its mode (ls -l
    style), group and path relative to `folder`, sorted by path."""
    rows = []
    for base, folders, files in os.walk(folder):
        for name in sorted(folders + files):
            path = Path(base) / name
            st = os.lstat(path)
            rows.append(
                (stat.filemode(st.st_mode), _group_name(st.st_gid), str(path.relative_to(folder)))
            )
    return sorted(rows, key=lambda r: r[2])


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _group_name(gid: int) -> str:
    if grp is None:
        return ""
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _user_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())
