"""Records of one session as numpy columns: what metrics read and bulk imports write.

A batch holds one array per field of its record type (engine/store/records.py) except
``session_id``, since a batch belongs to one session. Names and dtypes follow from the record:
int -> int64, float -> float64, bool -> bool, str -> object. Where the record may hold None,
an int column holds NONE_INT (-1: a tap's beat_index, UNPAIRED_BEAT, and its velocity), a
float column NaN and a str column None.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self, get_args, get_type_hints

import numpy as np

from engine.store.records import BeatRecord, TapRecord, field_names

NONE_INT = -1  # an int column where the record holds None (the ints stored are never < 0)
UNPAIRED_BEAT = NONE_INT  # beat_index of a tap that paired with no target

_DTYPES: dict[type, Any] = {int: np.int64, float: np.float64, bool: np.bool_, str: object}


def _column_type(hint: Any) -> tuple[type, bool]:
    """(the Python type of a field, whether it may be None)."""
    if isinstance(hint, types.UnionType):
        (base,) = [arg for arg in get_args(hint) if arg is not types.NoneType]
        return base, True
    return hint, False


class RecordColumns:
    """Records of one kind as columns, in the order the store keeps them. A subclass names its
    record type (``class TapColumns(RecordColumns, record_type=TapRecord)``) and is built with
    one array per column: ``TapColumns(task_index=..., tap_index=..., ...)``."""

    record_type: ClassVar[type]
    names: ClassVar[tuple[str, ...]]  # the record's fields but session_id, in order
    _dtypes: ClassVar[dict[str, Any]]
    _nullable_int: ClassVar[frozenset[str]]
    _nullable_float: ClassVar[frozenset[str]]

    def __init_subclass__(cls, *, record_type: type, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = get_type_hints(record_type)
        cls.record_type = record_type
        cls.names = tuple(name for name in field_names(record_type) if name != "session_id")
        types_of = {name: _column_type(hints[name]) for name in cls.names}
        cls._dtypes = {name: _DTYPES[base] for name, (base, _) in types_of.items()}
        cls._nullable_int = frozenset(
            name for name, (base, nullable) in types_of.items() if nullable and base is int
        )
        cls._nullable_float = frozenset(
            name for name, (base, nullable) in types_of.items() if nullable and base is float
        )

    def __init__(self, **arrays: Any) -> None:
        missing = [name for name in self.names if name not in arrays]
        unknown = [name for name in arrays if name not in self.names]
        if missing or unknown:
            raise TypeError(
                f"{type(self).__name__} takes the columns {', '.join(self.names)}; "
                f"missing: {missing or 'none'}, unknown: {unknown or 'none'}"
            )
        self._set_columns(arrays)

    def _set_columns(self, arrays: dict[str, Any]) -> None:
        lengths = set()
        for name, values in arrays.items():
            column = np.asarray(values, dtype=self._dtypes[name])
            lengths.add(column.shape[0])
            object.__setattr__(self, name, column)
        if len(lengths) > 1:
            raise ValueError(f"{type(self).__name__}: columns of different lengths {lengths}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen; make a new one")

    def __getattr__(self, name: str) -> np.ndarray:
        # Only reached for names that were never set: say which exist.
        if name in self.names:
            raise AttributeError(
                f"{type(self).__name__}: column {name!r} was not read (only {self.read_names})"
            )
        raise AttributeError(f"{type(self).__name__} has no column {name!r}; it has {self.names}")

    @property
    def read_names(self) -> tuple[str, ...]:
        """The columns this batch holds: all of ``names`` unless it was read with fewer."""
        return tuple(name for name in self.names if name in self.__dict__)

    def __len__(self) -> int:
        return int(getattr(self, self.read_names[0]).shape[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} rows)"

    @classmethod
    def column_names(cls, names: Sequence[str] | None = None) -> tuple[str, ...]:
        """``names`` as a tuple (all the record's columns when None); TypeError for a name
        that is not a column."""
        if names is None:
            return cls.names
        names = tuple(names)
        unknown = [name for name in names if name not in cls.names]
        if unknown or not names:
            raise TypeError(f"{cls.__name__} has the columns {cls.names}, not {unknown or '()'}")
        return names

    @classmethod
    def from_rows(cls, rows: Sequence[tuple], names: Sequence[str] | None = None) -> Self:
        """Columns of ``rows``: tuples in the order of ``names`` (all the record's columns
        unless given fewer), None where the record has None. A batch of fewer columns is for
        reading only: the columns it lacks raise AttributeError."""
        names = cls.column_names(names)
        columns: list[Sequence[object]] = (
            list(zip(*rows, strict=True)) if rows else [()] * len(names)
        )
        arrays = {}
        for name, column in zip(names, columns, strict=True):
            if name in cls._nullable_int:
                column = [NONE_INT if value is None else value for value in column]
            arrays[name] = column  # None becomes NaN in a float64 array
        if len(names) == len(cls.names):
            return cls(**arrays)
        batch = object.__new__(cls)
        batch._set_columns(arrays)
        return batch

    def record_values(self, session_id: int) -> Iterator[tuple]:
        """The records as tuples in the order of the record's fields, as Python values (None
        where the record has None): what an insert binds."""
        columns: list[Sequence[object]] = []
        for name in field_names(self.record_type):
            if name == "session_id":
                columns.append([session_id] * len(self))
                continue
            values = getattr(self, name).tolist()
            if name in self._nullable_int:
                values = [None if value == NONE_INT else value for value in values]
            elif name in self._nullable_float:
                values = [None if value != value else value for value in values]  # NaN
            columns.append(values)
        return zip(*columns, strict=True)


class BeatColumns(RecordColumns, record_type=BeatRecord):
    """Beats of a session: the fields of BeatRecord as arrays, in task and beat order."""


class TapColumns(RecordColumns, record_type=TapRecord):
    """Taps of a session: the fields of TapRecord as arrays, in task and tap order. Unpaired
    taps have beat_index UNPAIRED_BEAT and asynchrony_ms NaN."""


# Per (session, task, limb) sums from which progress metrics follow (engine/metrics/progress);
# the columns of the store's task_limb_stats after session_id, task_index and limb.
LIMB_STAT_COUNTS: tuple[str, ...] = (
    "beats",
    "paired_taps",
    "sro_taps",
    "hits",
    "early_taps",
    "late_taps",
)
LIMB_STAT_SUMS: tuple[str, ...] = (
    "sum_abs_asynchrony_ms",
    "sum_asynchrony_ms",
    "sum_squared_asynchrony_ms2",
    "sum_cos_phase",
    "sum_sin_phase",
)


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays has no single truth value
class LimbStatColumns:
    """Rows of task_limb_stats as columns: counts[:, i] is LIMB_STAT_COUNTS[i], sums[:, i] is
    LIMB_STAT_SUMS[i]."""

    session_id: np.ndarray  # int64
    task_index: np.ndarray  # int64
    limb: np.ndarray  # object (str)
    counts: np.ndarray  # int64 [rows, len(LIMB_STAT_COUNTS)]
    sums: np.ndarray  # float64 [rows, len(LIMB_STAT_SUMS)]

    def __len__(self) -> int:
        return int(self.session_id.shape[0])
