"""Reading CIFAR's python-layout files (pickles) without trusting them.

Pickle can run arbitrary code, so files are read with an unpickler that admits one closed set of
globals, none of which is the real thing:

- numpy's array reconstruction (``numpy.core.multiarray._reconstruct`` and
  ``numpy._core.multiarray._reconstruct``, with ``numpy.ndarray`` as the only subtype; protocols
  0-4) and ``numpy.core.numeric._frombuffer`` / ``numpy._core.numeric._frombuffer`` (protocol 5);
- ``numpy.dtype`` for integer dtypes only (``u1`` images, ``i8`` labels...);
- ``_codecs.encode(text, "latin1")``, which is how Python 3 writes ``bytes`` at protocol 2.

An array is built only from bytes that are in the file, and only when there are exactly as many
as its declared shape and dtype need: an array "reconstructed" without data (numpy would hand
out uninitialised memory) or with a shape larger than its bytes is refused before anything is
allocated, so a file can never claim more images than it holds. Every other global is refused
before it can run, naming it and saying how to rewrite the file.

Numpy only: importing this module loads neither torch nor the rest of corruptdata.
"""

from __future__ import annotations

import math
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from pipespec.fsutil import open_regular

from .errors import CifarError, CifarMissingError

__all__ = ["MAX_PICKLE_BYTES", "read_cifar_pickle", "text"]

MAX_PICKLE_BYTES = 1 << 30
"""Largest python-layout file read (CIFAR-100's train file is 155 MB)."""

_INT_DTYPES = frozenset(f"{k}{n}" for k in "iu" for n in (1, 2, 4, 8))
_BYTE_ORDERS = frozenset("|<>=")
_MAX_DIMS = 8
_MAX_DEPTH = 32
_REWRITE = (
    "If you wrote this file yourself, rewrite it with plain numpy integer arrays, lists, ints "
    "and strings, e.g. pickle.dump({'data': images.astype(np.uint8).reshape(-1, 3072), "
    "'labels': [int(v) for v in labels]}, f); if it is a download, delete it and download "
    "CIFAR again"
)


class _Refused(pickle.UnpicklingError):
    """A global outside the allowlist (``what`` says which), or an array that breaks a rule."""


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin1")
    if isinstance(value, str):
        return value
    raise _Refused(f"expected a string, found {type(value).__name__}")


class _Subtype:
    """Stands for ``numpy.ndarray`` (the reconstruction's subtype); calling it is refused."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise _Refused("numpy.ndarray called directly (an array without data)")


_NDARRAY = _Subtype()


class _DType:
    """``numpy.dtype(name, align, copy)``: an integer dtype; its state sets the byte order."""

    def __init__(self, name: Any, align: Any = False, copy: Any = True) -> None:
        self.name = _text(name)
        if self.name not in _INT_DTYPES:
            raise _Refused(f"dtype {self.name!r}: only integer arrays (u1, i8, ...) are read")
        self.order = "|" if self.name[1] == "1" else "="

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) < 2:
            raise _Refused("a malformed dtype state")
        order = _text(state[1])
        if order not in _BYTE_ORDERS or any(v is not None for v in state[2:5]):
            raise _Refused("a dtype with fields, a subarray or an unknown byte order")
        self.order = order

    def resolve(self) -> np.dtype:
        dt = np.dtype(self.name)
        return dt.newbyteorder(self.order) if self.order in "<>" else dt


def _array(raw: Any, dtype: Any, shape: Any, order: str) -> np.ndarray:
    """The array of ``shape`` and ``dtype`` over ``raw``, which must be exactly its bytes."""
    if not isinstance(dtype, _DType):
        raise _Refused("an array whose dtype is not a numpy integer dtype")
    if not isinstance(raw, bytes | bytearray):
        raise _Refused(f"array data of type {type(raw).__name__}, expected bytes from the file")
    if (
        not isinstance(shape, tuple)
        or len(shape) > _MAX_DIMS
        or not all(type(d) is int and d >= 0 for d in shape)
    ):
        raise _Refused(f"an array shape {shape!r} that is not a tuple of non-negative ints")
    dt = dtype.resolve()
    need = math.prod(shape) * dt.itemsize  # Python ints: no overflow, nothing allocated yet
    if need != len(raw):
        raise _Refused(
            f"an array of shape {shape} and dtype {dt} needs {need:,} bytes, the file holds "
            f"{len(raw):,} for it"
        )
    return np.frombuffer(raw, dtype=dt).reshape(shape, order=order)


class _Pending:
    """What ``_reconstruct`` returns: an array that exists only once its state (data) arrives."""

    array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if self.array is not None or not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Refused("a malformed array state")
        shape, dtype, fortran, raw = state[-4:]
        if type(fortran) is not bool and fortran not in (0, 1):
            raise _Refused("a malformed array state")
        self.array = _array(raw, dtype, shape, "F" if fortran else "C")


def _reconstruct(subtype: Any, shape: Any, typecode: Any) -> _Pending:
    if subtype is not _NDARRAY:
        raise _Refused(f"array subtype {subtype!r} is not numpy.ndarray")
    return _Pending()


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any = "C") -> np.ndarray:
    if order not in ("C", "F"):
        raise _Refused(f"array order {order!r}")
    return _array(buf, dtype, shape, order)


def _encode(value: Any, encoding: Any = "utf-8") -> bytes:
    if not isinstance(value, str) or encoding not in ("latin1", "latin-1"):
        raise _Refused("_codecs.encode other than of a string to latin1 bytes")
    return value.encode("latin1")


_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DType,
    ("_codecs", "encode"): _encode,
}


class _Global(pickle.UnpicklingError):
    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name
        super().__init__(f"{module}.{name}")


class _CifarUnpickler(pickle.Unpickler):
    """Admits only the allowlist above; every other global is refused before it is looked up."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Global(module, name) from None


def _finish(value: Any, depth: int = 0) -> Any:
    """Replace placeholders by arrays; refuse an array that never got its data."""
    if depth > _MAX_DEPTH:
        raise _Refused(f"containers nested over {_MAX_DEPTH} levels")
    if isinstance(value, _Pending):
        if value.array is None:
            raise _Refused("an array reconstructed without its data (it would be uninitialised "
                           "memory)")
        return value.array
    if isinstance(value, _DType | _Subtype):
        raise _Refused("a bare numpy dtype or ndarray type where data was expected")
    if isinstance(value, dict):
        return {_finish(k, depth + 1): _finish(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_finish(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_finish(v, depth + 1) for v in value)
    return value


def text(value: Any) -> Any:
    """Python 2 strings arrive as bytes (``encoding="bytes"``); decode them, in lists too."""
    if isinstance(value, bytes):
        return value.decode("latin1")
    if isinstance(value, list):
        return [text(v) for v in value]
    return value


def read_cifar_pickle(path: str | os.PathLike[str]) -> dict[str, Any]:
    """One CIFAR python-layout file as a dict with str keys, read through the allowlist.

    Reads the published files (Python 2, protocol 2, read with ``encoding="bytes"`` like the
    CIFAR page's snippet) and the ones people write with Python 3 at protocols 2 to 5. Raises
    :class:`CifarError` naming the file on a refused global (nothing from the file runs), an
    array whose data is missing or of the wrong size, a truncated or malformed file, or a top
    level that is not a dict; :class:`OSError` for a file that cannot be read (or is not a
    regular file, or is over :data:`MAX_PICKLE_BYTES`).
    """
    path = Path(path)
    try:
        with open_regular(path, MAX_PICKLE_BYTES) as f:
            obj = _finish(_CifarUnpickler(f, encoding="bytes").load())
    except FileNotFoundError:
        raise CifarMissingError(f"{path}: file not found") from None
    except _Global as err:
        raise CifarError(
            f"{path}: refused to unpickle the global {err.module}.{err.name}; a CIFAR file "
            f"holds only numpy integer arrays, lists, ints and strings, and nothing from this "
            f"file was run. {_REWRITE}"
        ) from None
    except _Refused as err:
        raise CifarError(f"{path}: refused: {err}; nothing from this file was run. {_REWRITE}"
                         ) from None
    except OSError:
        raise
    except Exception as err:  # any malformed pickle: EOFError, UnpicklingError, ValueError, ...
        raise CifarError(
            f"{path}: not a readable CIFAR pickle ({type(err).__name__}: {err}); the file is "
            "truncated or corrupted. Delete it and download CIFAR again."
        ) from None
    if not isinstance(obj, dict):
        raise CifarError(f"{path}: expected a pickled dict, found {type(obj).__name__}")
    return {text(k): v for k, v in obj.items()}
