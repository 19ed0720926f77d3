"""Files the application writes are its own: 0600 files, 0700 folders.

The instance folder holds the SQLite database, the secret key, licence scans and other uploads,
the match index and the backups; none of it is for the other accounts of the machine. A process
umask of 077, set when the app is built (gunicorn workers, `flask run`, every `flask` command and
the tests all go through create_app), covers every file at once, including the ones SQLite,
tarfile and the index writer create on their own. The folder itself is closed too, so files an
older version left at 0644 are out of reach as well.
"""
from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def init_app(instance_path: str) -> None:
    os.umask(PRIVATE_UMASK)
    folder = Path(instance_path)
    if folder.is_dir():
        try:
            folder.chmod(DIR_MODE)
        except PermissionError:  # an instance folder owned by someone else: leave it to its owner
            pass


def make_private(path: str | Path) -> None:
    """Bring a tree written by other means (a restored archive, an older version) to 0700 / 0600."""
    root = Path(path)
    if not root.exists():
        return
    if root.is_file():
        root.chmod(FILE_MODE)
        return
    root.chmod(DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            Path(folder, name).chmod(DIR_MODE)
        for name in files:
            Path(folder, name).chmod(FILE_MODE)
