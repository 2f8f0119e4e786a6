"""Transform classes: one thin shell per corruption over the pure kernels of :mod:`.functional`.

A transform draws all its randomness in :meth:`Corruption.make_params` (on CPU, from the
generator it is handed) and applies it in :meth:`Corruption.transform`, so a call can be replayed
from its params; as a batch step (:meth:`Corruption.call_batch`) sample ``i``'s params come from
its own generator, with exactly the draws of the per-sample call. An instance is callable on

- an image tensor (C, H, W) or (B, C, H, W), float16/bfloat16/32/64 in [0, 1] or uint8, in any
  memory layout: returns the corrupted tensor in the input's dtype (uint8 truncated as the
  reference's ``np.uint8``);
- a sample dict (``image`` (C, H, W), uint8 or float) — the pipespec step contract — or a
  collated batch dict (``image`` (B, C, H, W)) — the batch-step contract. It returns a new dict:

  - ``image``: corrupted, float in [0, 1] (float32; float64 stays float64; uint8 input is
    divided by 255);
  - ``clean``: the image before the first corruption (kept when already present);
  - ``mask``: bool (H, W) / (B, H, W), True where content was removed or replaced; the
    existing mask is OR-ed in (and moved along by geometric steps: reflect, random_crop with
    ``resize``); all-False when nothing was removed;
  - ``corruption``: the names of the steps that changed the sample, joined by ``+`` in order
    (``"reflect+gaussian_noise"``; a list of such strings for a batch); ``reflect`` only where
    the sample was mirrored; ``""`` when nothing changed it;
  - ``severity``: the highest severity used so far (int; (B,) int64 for a batch); 0 when no
    step used one (reflect; a step given explicit parameters: ``sigma``, ``count`` and
    ``size``, ``size``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar

import numpy as np
import torch

from pipespec.params import Range, check_range
from pipespec.step import Step

from .api import (
    _is_checked,
    check_name,
    mark_checked,
    prepare_images,
    split_options,
    validate_images,
)
from .errors import CorruptParamError
from .functional import REGISTRY, Record
from .functional._common import cpu_generator
from .functional.noise import SEVERITIES as _NOISE_SEVERITIES
from .functional.registry import _always
from .functional.seed import SEVERITIES as _SEED_SEVERITIES
from .functional.seed import _randint

__all__ = [
    "TRANSFORMS",
    "BlackPatches",
    "Brightness",
    "Contrast",
    "Corruption",
    "DefocusBlur",
    "ElasticTransform",
    "Fog",
    "Frost",
    "GaussianBlur",
    "GaussianNoise",
    "GlassBlur",
    "ImpulseNoise",
    "JpegCompression",
    "MotionBlur",
    "Pixelate",
    "RandomCrop",
    "Reflect",
    "Saturate",
    "ShotNoise",
    "Snow",
    "Spatter",
    "SpeckleNoise",
    "ZoomBlur",
]

Severity = Annotated[
    int | tuple[int, int],
    Range(ge=1, le=5),
    "severity 1..5, or an inclusive range [lo, hi] drawn per sample",
]

_SEVERITY = Range(ge=1, le=5)


def _check(value: Any, name: str, rng: Range, integer: bool = False) -> Any:
    """The one range check of every option (pipespec's message style, CorruptParamError)."""
    return check_range(value, name, rng, CorruptParamError, integer=integer)


def _int_range(value: Any, name: str, rng: Range) -> tuple[int, int]:
    """An int or an inclusive ``[lo, hi]`` of ints within ``rng`` with lo <= hi."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise CorruptParamError(
                f"{name} should be an integer or an inclusive range [lo, hi]. Got {value!r}."
            )
        lo, hi = (_check(v, name, rng, integer=True) for v in value)
        if lo > hi:
            raise CorruptParamError(
                f"{name} should be an inclusive range [lo, hi] with lo <= hi. Got {value!r}."
            )
        return int(lo), int(hi)
    v = int(_check(value, name, rng, integer=True))
    return v, v


def _cat_params(parts: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Concatenate per-sample params along dim 0, zero-padding the other dims to the largest
    (black_patches' box count and glass_blur's iteration count depend on the severity)."""
    out = {}
    for key in parts[0]:
        values = [p[key] for p in parts]
        dims = max(v.dim() for v in values)
        if dims > 1:
            size = [max(v.shape[d] for v in values) for d in range(1, dims)]
            padded = []
            for v in values:
                if list(v.shape[1:]) != size:
                    grown = v.new_zeros((v.shape[0], *size))
                    grown[(slice(None), *(slice(0, n) for n in v.shape[1:]))] = v
                    v = grown
                padded.append(v)
            values = padded
        out[key] = torch.cat(values)
    return out


_CONSTANTS: dict[tuple[int, int], torch.Tensor] = {}


def _constant(b: int, value: int) -> torch.Tensor:
    """A (b,) int64 tensor of ``value``, made once (params only read their severity)."""
    out = _CONSTANTS.get((b, value))
    if out is None:
        out = torch.full((b,), value, dtype=torch.int64)
        if b <= 64:
            _CONSTANTS[(b, value)] = out
    return out


_BUFFERS = threading.local()
_BUFFER_MAX = 1 << 16  # elements: a 3x128x128 image's noise


def _buffer(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """A scratch tensor for this thread, kept per shape and dtype when small (draws are made
    into it in place: ``torch.rand(n)`` is ``empty(n).uniform_()``, ``torch.randn`` is
    ``empty().normal_()``, ``torch.randint`` is ``empty().random_()``: the same draws, without
    the allocation). The caller uses it before its next call on this thread."""
    cache = _BUFFERS.__dict__
    key = (shape, dtype)
    buf = cache.get(key)
    if buf is None:
        buf = torch.empty(shape, dtype=dtype)
        if buf.numel() <= _BUFFER_MAX:
            cache[key] = buf
    return buf


def _known(t: torch.Tensor) -> np.ndarray | None:
    """The numpy array under ``t`` when the last fast call on this thread made it."""
    last = _BUFFERS.__dict__.get("last")
    if last is not None:
        if t is last[0]:
            return last[1]
        if t is last[2]:
            return last[3]
    return None


def _array(t: torch.Tensor) -> np.ndarray:
    """``t.numpy()``, from what the last fast call kept when it made ``t``."""
    known = _known(t)
    return t.numpy() if known is None else known


def _uniforms(n: int, g: torch.Generator) -> list[float]:
    """``torch.rand(n, generator=g, dtype=torch.float64).tolist()``, without the allocation."""
    return _buffer((n,), torch.float64).uniform_(generator=g).tolist()


class Corruption(Step):
    """Base class of the corruption steps: :meth:`make_params` (all the randomness, on CPU) and
    :meth:`transform` (the pure kernel plus the sample bookkeeping), per sample or per batch.

    ``inputs`` is an image tensor (C, H, W) or (B, C, H, W) (float16/32/64 in [0, 1] or uint8,
    any layout: returned in its own dtype) or a sample / collated batch dict with ``image``.
    """

    name: ClassVar[str] = ""
    #: whether the corruption takes a severity at all (reflect: no)
    has_severity: ClassVar[bool] = True

    def __init__(self, severity: Severity = 3) -> None:
        check_name(self.name)
        self.severity = severity
        self._severity = _int_range(severity, "severity", _SEVERITY)
        self.options: dict[str, Any] = {}
        self._split()

    def _split(self) -> None:
        given = {k: v for k, v in self.options.items() if v is not None}
        self._params_options, self._kernel_options = split_options(self.name, given)

    @property
    def uses_severity(self) -> bool:
        """Whether this instance's output depends on its severity (explicit parameters that
        replace everything the severity chooses make it not: then no severity is recorded)."""
        return self.has_severity

    @property
    def record(self) -> Record:
        return REGISTRY[self.name]

    # -- params ------------------------------------------------------------------------
    def _draw(self, shape: tuple[int, ...], generator: torch.Generator | None) -> dict:
        g = generator if generator is not None and generator.device.type == "cpu" else None
        g = g if g is not None else cpu_generator(generator)
        b = shape[0]
        lo, hi = self._severity
        uses = self.uses_severity
        if lo == hi or not uses:
            sev = _constant(b, lo)
        else:
            sev = torch.randint(lo, hi + 1, (b,), generator=g)
        params = REGISTRY[self.name].params(sev, g, shape, **self._params_options)
        params["severity"] = sev if uses else _constant(b, 0)
        return params

    @staticmethod
    def _shape(inputs: Any) -> tuple[int, int, int, int]:
        image = inputs["image"] if isinstance(inputs, dict) else inputs
        shape = tuple(image.shape)
        return (1, *shape) if len(shape) == 3 else shape  # type: ignore[return-value]

    def make_params(
        self, inputs: Any, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """All the randomness for ``inputs`` (an image tensor or a sample / batch dict), drawn
        on CPU from ``generator``; the per-sample ``severity`` (B,) first when a range was
        given (0 where this instance uses no severity)."""
        return self._draw(self._shape(inputs), generator)

    def make_batch_params(
        self, batch: Any, generators: Sequence[torch.Generator]
    ) -> dict[str, torch.Tensor]:
        """Params for a collated batch, sample ``i``'s drawn from ``generators[i]`` with exactly
        the draws :meth:`make_params` makes for that sample alone."""
        b, c, h, w = self._shape(batch)
        if len(generators) != b:
            raise CorruptParamError(
                f"{self.name}: expected one generator per sample ({b}), got {len(generators)}"
            )
        if b == 0:
            return self._draw((0, c, h, w), None)
        return _cat_params([self._draw((1, c, h, w), g) for g in generators])

    # -- the per-sample fast path ------------------------------------------------------
    #: whether the class has a per-sample fast path (:meth:`_call_sample`)
    _fast: ClassVar[bool] = False

    def __call__(self, inputs: Any, generator: torch.Generator | None = None) -> Any:
        """``transform(inputs, make_params(inputs, generator))`` after :meth:`check_inputs`.

        A single sample dict whose image is a CPU (C, H, W) uint8 or contiguous float32
        tensor (what a DataLoader worker hands a per-sample step) takes a shortcut where the
        class has one: the same draws from ``generator``, in the same order, the same pixels,
        mask and record, without the batch bookkeeping (tensors of params, batch dims, the
        generic dict update); tests/test_corruptdata_transforms.py pins the two as equal."""
        if self._fast and type(inputs) is dict:
            image = inputs.get("image")
            old = inputs.get("mask")
            last = _BUFFERS.__dict__.get("last")
            if (
                last is not None
                and image is last[0]
                and image._version == last[4]
                and image.shape == last[6]
                and not image.requires_grad
                and (old is None or (old is last[2] and old._version == last[5]))
            ):  # the sample the last fast call on this thread made, untouched: all known
                if self._fast_ok(image):
                    self.check(image)
                    return self._call_sample(inputs, image, old, cpu_generator(generator))
            elif (
                type(image) is torch.Tensor
                and image.dim() == 3
                and image.is_cpu
                and not image.requires_grad
                and (
                    image.dtype is torch.uint8
                    or (image.dtype is torch.float32 and image.is_contiguous())
                )
                and self._fast_ok(image)
                and (
                    old is None
                    or (
                        type(old) is torch.Tensor
                        and old.dtype is torch.bool
                        and old.is_cpu
                        and old.shape == image.shape[1:]
                    )
                )
            ):
                if not (image.dtype is torch.float32 and _is_checked(image)):
                    validate_images(image, f"{self.name}: sample['image']")
                self.check(image)
                return self._call_sample(inputs, image, old, cpu_generator(generator))
        return super().__call__(inputs, generator)

    def _fast_ok(self, image: torch.Tensor) -> bool:
        """Whether this instance's options allow the fast path (checked before any draw)."""
        return True

    def _call_sample(
        self, data: dict, image: torch.Tensor, old: torch.Tensor | None, g: torch.Generator
    ) -> dict:
        raise NotImplementedError  # pragma: no cover - only classes with _fast = True

    def _sample_severity(self, g: torch.Generator) -> tuple[int, int]:
        """(the severity the params read, the severity recorded): the draw of :meth:`_draw`."""
        lo, hi = self._severity
        if not self.uses_severity:
            return lo, 0
        if lo == hi:
            return lo, lo
        s = _buffer((), torch.int64).random_(lo, hi + 1, generator=g).tolist()
        return s, s

    @staticmethod
    def _float_image_array(image: torch.Tensor) -> tuple[torch.Tensor, np.ndarray | None]:
        """The image as the kernels take it (uint8 / 255 into float32, as prepare_images), and
        its numpy array where known."""
        if image.dtype is torch.uint8:  # numpy's true division: the same floats, half the time
            arr = np.divide(image.numpy(), np.float32(255.0), dtype=np.float32, order="C")
            return torch.from_numpy(arr), arr
        return image, _known(image)

    @classmethod
    def _float_image(cls, image: torch.Tensor) -> torch.Tensor:
        return cls._float_image_array(image)[0]

    def _finish(
        self,
        data: dict,
        clean: torch.Tensor,
        out: torch.Tensor,
        mask: torch.Tensor,
        applied: bool,
        severity: int,
        out_array: np.ndarray | None = None,
        mask_array: np.ndarray | None = None,
    ) -> dict:
        """The new sample dict, keys and values as :meth:`_transform_dict` gives them.

        ``out_array``, ``mask_array``: the numpy arrays under ``out`` and ``mask`` where known;
        with the two tensors they are kept for this thread's next fast call (small images only),
        which then skips the checks and the ``.numpy()`` calls."""
        result = dict(data)
        result["image"] = out
        mark_checked(out)
        if out.numel() <= _BUFFER_MAX:
            if mask_array is None:
                mask_array = _known(mask)
            _BUFFERS.last = (
                out,
                out_array,
                mask,
                mask_array,
                out._version,
                mask._version,
                out.shape,
            )
        else:
            _BUFFERS.last = None
        if "clean" not in result:
            result["clean"] = clean
        result["mask"] = mask
        prev = data.get("corruption") or ""
        if applied:
            prev = f"{prev}+{self.name}" if prev else self.name
        result["corruption"] = prev
        result["severity"] = max(int(data.get("severity", 0)), severity)
        return result

    # -- transform ---------------------------------------------------------------------
    def kernel(
        self, images: torch.Tensor, params: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The pure kernel on (B, C, H, W) float images: ``(corrupted, mask or None)``."""
        return self.record.kernel(images, params, **self._kernel_options)

    def check(self, images: torch.Tensor) -> None:
        """Hook for option checks that need the image size (raise CorruptParamError)."""

    def check_inputs(self, inputs: Any) -> None:
        if isinstance(inputs, dict):
            if "image" not in inputs:
                raise CorruptParamError(
                    f"{self.name}: expected a sample with an 'image' key, got keys {sorted(inputs)}"
                )
            image = inputs["image"]
            validate_images(image, f"{self.name}: sample['image']")
        else:
            image = inputs
            validate_images(image)
        self.check(image)

    def transform(self, inputs: Any, params: dict[str, torch.Tensor]) -> Any:
        """Apply the kernel with ``params``: a tensor gives a tensor of its own dtype, a sample
        or batch dict a new dict (see the module docstring)."""
        if isinstance(inputs, dict):
            return self._transform_dict(inputs, params)
        batch, unbatched, restore = prepare_images(inputs)
        out = restore(self.kernel(batch, params)[0])
        return out[0] if unbatched else out

    def _transform_dict(self, data: dict[str, Any], params: dict[str, torch.Tensor]) -> dict:
        image = data["image"]
        if image.dim() == 3 and image.dtype == torch.float32 and image.is_contiguous():
            batch, unbatched = image[None], True  # the common case of a chain, made cheap
        else:
            batch, unbatched, _ = prepare_images(image, torch.float32)
        out, mask = self.kernel(batch, params)
        record = self.record
        b, _, h, w = batch.shape
        old = data.get("mask")
        if mask is not None and unbatched:
            mask = mask[0]
        if old is not None:
            if not (isinstance(old, torch.Tensor) and old.dtype == torch.bool):
                old = torch.as_tensor(old).bool()
            if old.device != out.device:
                old = old.to(out.device)
            if tuple(old.shape) != ((h, w) if unbatched else (b, h, w)):
                want = (h, w) if unbatched else (b, h, w)
                raise CorruptParamError(
                    f"{self.name}: sample['mask'] should have shape {want} like the image, "
                    f"got {tuple(old.shape)}"
                )
            if record.mask is not None:
                old = record.mask(old[None], params)[0] if unbatched else record.mask(old, params)
            new_mask = old if mask is None else old | mask
        elif mask is not None:
            new_mask = mask
        else:
            shape = (h, w) if unbatched else (b, h, w)
            new_mask = torch.zeros(shape, dtype=torch.bool, device=out.device)

        result = dict(data)
        result["image"] = out = out[0] if unbatched else out
        mark_checked(out)
        if "clean" not in result:
            result["clean"] = batch[0] if unbatched else batch
        result["mask"] = new_mask
        prev = data.get("corruption")
        sev = params["severity"]
        if unbatched:
            prev = prev or ""
            if record.applied is _always or record.applied(params, 1)[0]:
                prev = f"{prev}+{self.name}" if prev else self.name
            result["corruption"] = prev
            result["severity"] = max(int(data.get("severity", 0)), sev.tolist()[0])
        else:
            applied = record.applied(params, b)
            prev = list(prev) if prev is not None else [""] * b
            result["corruption"] = [
                (f"{p}+{self.name}" if p else self.name) if done else p
                for p, done in zip(prev, applied, strict=True)
            ]
            old_sev = torch.as_tensor(data.get("severity", 0), dtype=torch.int64).cpu()
            result["severity"] = torch.maximum(old_sev.expand(b), sev)
        return result


# ----------------------------------------------------------------------------- the seed set


class GaussianNoise(Corruption):
    """Additive Gaussian noise: ``clip(x + N(0, sigma))``; sigma from the CIFAR-10-C table for
    the severity, or given explicitly (``sigma`` overrides the severity, which is then not
    recorded)."""

    name = "gaussian_noise"

    def __init__(
        self,
        severity: Severity = 3,
        sigma: Annotated[float | None, Range(ge=0), "noise std, overrides severity"] = None,
    ) -> None:
        if sigma is not None:
            _check(sigma, "sigma", Range(ge=0))
        super().__init__(severity)
        self.sigma = sigma
        self.options = {"sigma": sigma}
        self._split()

    @property
    def uses_severity(self) -> bool:
        return self.sigma is None

    _fast = True

    def _call_sample(
        self, data: dict, image: torch.Tensor, old: torch.Tensor | None, g: torch.Generator
    ) -> dict:
        s, recorded = self._sample_severity(g)
        sigma = float(_NOISE_SEVERITIES[self.name][s - 1] if self.sigma is None else self.sigma)
        # torch.randn's draws (normal_ on float32s of the shape), into a buffer when small
        noise = _buffer(image.shape, torch.float32).normal_(generator=g)
        x = self._float_image(image)
        out = torch.add(x, noise, alpha=sigma).clamp_(0, 1)
        if old is not None:
            return self._finish(data, x, out, old, True, recorded)
        arr = np.zeros(image.shape[1:], dtype=np.bool_)
        return self._finish(data, x, out, torch.from_numpy(arr), True, recorded, None, arr)


class BlackPatches(Corruption):
    """Black rectangles: ``count`` patches (inclusive range), sides of ``size`` pixels
    (inclusive range, height and width drawn independently); mask = the patches. Without
    ``count``/``size`` the severity chooses them; with both, no severity is recorded."""

    name = "black_patches"

    def __init__(
        self,
        count: Annotated[tuple[int, int] | None, Range(ge=0), "patches per image [lo, hi]"] = None,
        size: Annotated[
            tuple[int, int] | None, Range(ge=1), "patch side in pixels [lo, hi]"
        ] = None,
        severity: Severity = 3,
    ) -> None:
        pair_count = None if count is None else _int_range(count, "count", Range(ge=0))
        pair_size = None if size is None else _int_range(size, "size", Range(ge=1))
        super().__init__(severity)
        self.count, self.size = count, size
        self.options = {"count": pair_count, "size": pair_size}
        self._split()

    @property
    def uses_severity(self) -> bool:
        return self.count is None or self.size is None

    _fast = True

    def _call_sample(
        self, data: dict, image: torch.Tensor, old: torch.Tensor | None, g: torch.Generator
    ) -> dict:
        s, recorded = self._sample_severity(g)
        _, h, w = image.shape
        row = _SEED_SEVERITIES[self.name][s - 1]
        count, size = self.options["count"], self.options["size"]
        c_lo, c_hi = row[0] if count is None else count
        if size is None:
            side = min(h, w)
            s_lo, s_hi = max(1, round(row[1][0] * side)), max(1, round(row[1][1] * side))
        else:
            s_lo, s_hi = size
        k = c_hi  # the draws of black_patches_params: count, then k heights, widths, tops, lefts
        u = _uniforms(1 + 4 * k, g)
        x, xa = self._float_image_array(image)
        pixels = (_array(x) if xa is None else xa).copy()  # a fresh copy, blacked out box by box
        arr = np.zeros((h, w), dtype=np.bool_) if old is None else _array(old).copy()
        for j in range(_randint(c_lo, c_hi, u[0])):
            bh = min(_randint(s_lo, s_hi, u[1 + j]), h)
            bw = min(_randint(s_lo, s_hi, u[1 + k + j]), w)
            if bh > 0 and bw > 0:
                top = _randint(0, h - bh, u[1 + 2 * k + j])
                left = _randint(0, w - bw, u[1 + 3 * k + j])
                arr[top : top + bh, left : left + bw] = True
                pixels[:, top : top + bh, left : left + bw] = 0.0
        out = torch.from_numpy(pixels)
        return self._finish(data, x, out, torch.from_numpy(arr), True, recorded, pixels, arr)


class RandomCrop(Corruption):
    """Keep a random window of ``size`` pixels (int or [h, w]; default: the severity's side
    fraction 0.9 .. 0.5, and then only is a severity recorded), placed anywhere in the image
    grown by ``padding``. The rest is blacked out and masked in place, or with ``resize`` the
    window is stretched back to the full size (bilinear) and only what came from outside the
    image is masked."""

    name = "random_crop"

    def __init__(
        self,
        size: Annotated[int | tuple[int, int] | None, Range(ge=1), "window side(s)"] = None,
        padding: Annotated[int, Range(ge=0)] = 0,
        resize: bool = False,
        severity: Severity = 3,
    ) -> None:
        pair = None if size is None else _int_range(size, "size", Range(ge=1))
        _check(padding, "padding", Range(ge=0), integer=True)
        super().__init__(severity)
        self.size, self.padding, self.resize = size, padding, resize
        self.options = {"size": pair, "padding": padding, "resize": bool(resize)}
        self._split()

    @property
    def uses_severity(self) -> bool:
        return self.size is None

    def check(self, images: torch.Tensor) -> None:
        size, pad = self.options["size"], self.options["padding"]
        h, w = images.shape[-2:]
        if size is not None and (size[0] > h + 2 * pad or size[1] > w + 2 * pad):
            raise CorruptParamError(
                f"random_crop: window {size[0]}x{size[1]} does not fit in {h}x{w} images with "
                f"padding {pad}; use a smaller size or more padding"
            )

    _fast = True

    def _fast_ok(self, image: torch.Tensor) -> bool:
        return not self.resize

    def _call_sample(
        self, data: dict, image: torch.Tensor, old: torch.Tensor | None, g: torch.Generator
    ) -> dict:
        s, recorded = self._sample_severity(g)
        _, h, w = image.shape
        size, pad = self.options["size"], self.options["padding"]
        if size is None:
            f = _SEED_SEVERITIES[self.name][s - 1]
            wh, ww = min(max(round(f * h), 1), h), min(max(round(f * w), 1), w)
        else:
            wh, ww = size
        u_top, u_left = _uniforms(2, g)
        top = _randint(-pad, h + pad - wh, u_top)
        left = _randint(-pad, w + pad - ww, u_left)
        kept = (slice(max(top, 0), max(top + wh, 0)), slice(max(left, 0), max(left + ww, 0)))
        arr = np.ones((h, w), dtype=np.bool_)  # removed outside the window, as before inside
        arr[kept] = False if old is None else _array(old)[kept]
        x, xa = self._float_image_array(image)
        pixels = np.zeros(x.shape, dtype=np.float32)  # black, but for the window
        pixels[(slice(None), *kept)] = (_array(x) if xa is None else xa)[(slice(None), *kept)]
        out = torch.from_numpy(pixels)
        return self._finish(data, x, out, torch.from_numpy(arr), True, recorded, pixels, arr)


class Reflect(Corruption):
    """Mirror images left-right with probability ``horizontal`` and top-bottom with
    probability ``vertical`` (``true`` = always, ``false`` = never). Moves the mask along; only
    mirrored samples are labelled ``reflect``."""

    name = "reflect"
    has_severity = False

    def __init__(
        self,
        horizontal: Annotated[float | bool, Range(ge=0, le=1)] = 0.5,
        vertical: Annotated[float | bool, Range(ge=0, le=1)] = 0.0,
    ) -> None:
        for what, p in (("horizontal", horizontal), ("vertical", vertical)):
            _check(float(p) if isinstance(p, bool) else p, what, Range(ge=0, le=1))
        super().__init__(1)
        self.horizontal, self.vertical = horizontal, vertical
        self.options = {"horizontal": float(horizontal), "vertical": float(vertical)}
        self._split()

    _fast = True

    def _call_sample(
        self, data: dict, image: torch.Tensor, old: torch.Tensor | None, g: torch.Generator
    ) -> dict:
        u_h, u_v = _uniforms(2, g)
        dims = (-2, -1) if u_h < self.options["horizontal"] else (-2,)
        if not u_v < self.options["vertical"]:
            dims = dims[1:]
        x, pixels = self._float_image_array(image)
        if not dims:
            if old is not None:
                return self._finish(data, x, x, old, False, 0, pixels)
            arr = np.zeros(image.shape[1:], dtype=np.bool_)
            return self._finish(data, x, x, torch.from_numpy(arr), False, 0, pixels, arr)
        flip = (
            slice(None, None, -1) if -2 in dims else slice(None),
            slice(None, None, -1) if -1 in dims else slice(None),
        )
        pixels = np.ascontiguousarray(
            (_array(x) if pixels is None else pixels)[:, flip[0], flip[1]]
        )
        if old is None:
            arr = np.zeros(image.shape[1:], dtype=np.bool_)
        else:
            arr = np.ascontiguousarray(_array(old)[flip])
        out, mask = torch.from_numpy(pixels), torch.from_numpy(arr)
        return self._finish(data, x, out, mask, True, 0, pixels, arr)


# ----------------------------------------------------------------------------- CIFAR-10-C


class Frost(Corruption):
    """CIFAR-10-C frost: blend with a crop of a frost photograph. The photographs are read from
    ``frost_dir``, else $CORRUPTDATA_FROST_DIR, else the installed ``imagecorruptions``."""

    name = "frost"

    def __init__(self, severity: Severity = 3, frost_dir: str | None = None) -> None:
        super().__init__(severity)
        self.frost_dir = frost_dir
        self.options = {"frost_dir": frost_dir}
        self._split()


def _simple(class_name: str, name: str, doc: str) -> type[Corruption]:
    return type(class_name, (Corruption,), {"name": name, "__doc__": doc, "__module__": __name__})


ShotNoise = _simple("ShotNoise", "shot_noise", "CIFAR-10-C shot noise: Poisson(x*c)/c.")
ImpulseNoise = _simple(
    "ImpulseNoise", "impulse_noise", "CIFAR-10-C impulse (salt-and-pepper) noise; masked."
)
SpeckleNoise = _simple("SpeckleNoise", "speckle_noise", "CIFAR-10-C speckle noise: x + x*N(0, c).")
DefocusBlur = _simple("DefocusBlur", "defocus_blur", "CIFAR-10-C defocus blur (anti-aliased disk).")
GlassBlur = _simple(
    "GlassBlur", "glass_blur", "CIFAR-10-C glass blur (blur, local shuffles, blur)."
)
MotionBlur = _simple("MotionBlur", "motion_blur", "CIFAR-10-C motion blur (ImageMagick kernel).")
ZoomBlur = _simple("ZoomBlur", "zoom_blur", "CIFAR-10-C zoom blur (mean of centre zooms).")
GaussianBlur = _simple("GaussianBlur", "gaussian_blur", "CIFAR-10-C Gaussian blur.")
Snow = _simple("Snow", "snow", "CIFAR-10-C snow.")
Fog = _simple("Fog", "fog", "CIFAR-10-C fog (plasma fractal).")
Spatter = _simple("Spatter", "spatter", "CIFAR-10-C spatter (water or mud; mud is masked).")
Brightness = _simple("Brightness", "brightness", "CIFAR-10-C brightness (HSV value shift).")
Contrast = _simple("Contrast", "contrast", "CIFAR-10-C contrast.")
ElasticTransform = _simple("ElasticTransform", "elastic_transform", "CIFAR-10-C elastic transform.")
Pixelate = _simple("Pixelate", "pixelate", "CIFAR-10-C pixelate (box down- and upscale).")
JpegCompression = _simple("JpegCompression", "jpeg_compression", "CIFAR-10-C JPEG compression.")
Saturate = _simple("Saturate", "saturate", "CIFAR-10-C saturate (HSV saturation change).")

TRANSFORMS: dict[str, type[Corruption]] = {
    cls.name: cls
    for cls in (
        GaussianNoise, ShotNoise, ImpulseNoise, SpeckleNoise,
        DefocusBlur, GlassBlur, MotionBlur, ZoomBlur, GaussianBlur,
        Snow, Frost, Fog, Spatter,
        Brightness, Contrast, ElasticTransform, Pixelate, JpegCompression, Saturate,
        BlackPatches, RandomCrop, Reflect,
    )
}  # fmt: skip
