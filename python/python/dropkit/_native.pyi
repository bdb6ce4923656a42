"""Type stubs of dropkit._native, the Rust extension (see python/src)."""

from os import PathLike
from typing import Any, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

__version__: str

def hash_arrow(
    kind: str, columns: Sequence[Any], errors: str = "null", standardize: bool = False
) -> pa.StringArray: ...
def hash_strings(
    kind: str,
    columns: Sequence[Sequence[Optional[str]]],
    errors: str = "null",
    standardize: bool = False,
) -> List[Optional[str]]: ...
def normalize_kind(kind: str) -> str: ...
def match_files(
    download: Union[str, PathLike[str]],
    records: Union[str, PathLike[str]],
    mapping_specs: Sequence[str],
    out: Union[str, PathLike[str]],
    *,
    strict: bool = False,
    max_rows_per_file: Optional[int] = None,
    records_name: Optional[str] = None,
) -> MatchReport: ...

class MatchReport:
    """What one match wrote and found."""

    @property
    def status_files(self) -> List[str]: ...
    @property
    def matches_file(self) -> str: ...
    @property
    def records_read(self) -> int: ...
    @property
    def bad_rows(self) -> int: ...
    @property
    def problem_count(self) -> int: ...
    @property
    def problems(self) -> List[str]: ...
    @property
    def list_problems(self) -> List[str]: ...
    @property
    def warnings(self) -> List[str]: ...
    @property
    def match_rows(self) -> int: ...
    @property
    def lists(self) -> List[Tuple[str, int, int, int, int, int]]: ...
    @property
    def summary(self) -> str: ...

class DigestSet:
    """Every hash a download lists, as raw digests."""

    def __init__(self, data: bytes) -> None: ...
    @staticmethod
    def from_download(download: Union[str, PathLike[str]]) -> DigestSet: ...
    def to_bytes(self) -> bytes: ...
    def __len__(self) -> int: ...
    def contains_any(self, columns: Sequence[Any]) -> pa.BooleanArray: ...

def match_stream(
    download: Union[str, PathLike[str]],
    records: Any,
    mapping_specs: Sequence[str],
    out: Union[str, PathLike[str]],
    *,
    strict: bool = False,
    max_rows_per_file: Optional[int] = None,
    records_name: Optional[str] = None,
) -> MatchReport: ...
