"""The data directory's lock: one holder at a time, the holder named, freed on release."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sigstack.errors import StorageError
from sigstack.services.stack.lock import lock_data_dir


def test_one_holder_at_a_time(tmp_path: Path) -> None:
    with lock_data_dir(tmp_path, "sigstack up"):
        with pytest.raises(StorageError) as refused:
            lock_data_dir(tmp_path, "sigstack rotate")
        assert f"in use by sigstack up (pid {os.getpid()})" in str(refused.value)
    with lock_data_dir(tmp_path, "sigstack rotate") as again:  # released: free again
        again.release()
        again.release()  # idempotent
