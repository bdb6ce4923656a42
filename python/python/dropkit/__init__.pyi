"""Type stubs of dropkit: hash and standardize answer in the kind they are given."""

from os import PathLike
from typing import Any, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union, overload

import pyarrow as pa

from . import duckdb as duckdb, polars as polars, spark as spark
from ._errors import (
    DropkitError as DropkitError,
    KindError as KindError,
    LengthMismatchError as LengthMismatchError,
    MappingError as MappingError,
    MatchError as MatchError,
    OutputExistsError as OutputExistsError,
    StandardizeError as StandardizeError,
    StrictError as StrictError,
    UnsupportedTypeError as UnsupportedTypeError,
)
from ._native import MatchReport as MatchReport

__version__: str
KINDS: Tuple[str, ...]

_S = TypeVar("_S")  # a pandas or polars Series

@overload
def hash(
    kind: str, *columns: Sequence[Optional[str]], errors: str = "null"
) -> List[Optional[str]]: ...
@overload
def hash(kind: str, *columns: pa.ChunkedArray, errors: str = "null") -> pa.ChunkedArray: ...
@overload
def hash(kind: str, *columns: pa.Array, errors: str = "null") -> pa.StringArray: ...
@overload
def hash(kind: str, *columns: _S, errors: str = "null") -> _S: ...
@overload
def standardize(
    kind: str, *columns: Sequence[Optional[str]], errors: str = "null"
) -> List[Optional[str]]: ...
@overload
def standardize(kind: str, *columns: pa.ChunkedArray, errors: str = "null") -> pa.ChunkedArray: ...
@overload
def standardize(kind: str, *columns: pa.Array, errors: str = "null") -> pa.StringArray: ...
@overload
def standardize(kind: str, *columns: _S, errors: str = "null") -> _S: ...
def match(
    download: Union[str, PathLike[str]],
    records: Any,
    mapping: Union[str, Sequence[str], Mapping[str, Union[str, Sequence[str]]]],
    out: Union[str, PathLike[str]],
    *,
    strict: bool = False,
    max_rows_per_file: Optional[int] = None,
    records_name: Optional[str] = None,
) -> MatchReport: ...
