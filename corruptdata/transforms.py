"""Transform classes: one thin shell per corruption over the pure kernels of :mod:`.functional`.

A transform draws all its randomness in :meth:`Corruption.make_params` (on CPU, from the
generator it is handed) and applies it in :meth:`Corruption.transform`, so a call can be replayed
from its params. An instance is callable on

- a float tensor (C, H, W) or (B, C, H, W) in [0, 1]: returns the corrupted tensor;
- a sample dict (``image`` (C, H, W), uint8 or float) — the pipespec step contract — or a
  collated batch dict (``image`` (B, C, H, W)) — the batch-step contract. It returns a new dict:

  - ``image``: corrupted, float32 in [0, 1] (uint8 input is divided by 255);
  - ``clean``: the image before the first corruption (kept when already present);
  - ``mask``: bool (H, W) / (B, H, W), True where content was removed or replaced; the
    existing mask is OR-ed in (and moved along by geometric steps: reflect, random_crop with
    ``resize``); all-False when nothing was removed;
  - ``corruption``: the names applied so far joined by ``+`` in order (``"reflect+gaussian_noise"``;
    a list of such strings for a batch);
  - ``severity``: the highest severity applied so far (int; (B,) int64 for a batch); 0 when only
    severity-less steps (reflect) ran.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import torch

from pipespec.params import Range

from .api import check_images, check_name, split_options
from .errors import CorruptParamError
from .functional import KERNELS, MASK_TRANSFORMS
from .functional._common import cpu_generator

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


def _severity_range(severity: Any) -> tuple[int, int]:
    if isinstance(severity, bool):
        raise CorruptParamError(f"severity should be an integer 1..5. Got {severity!r}.")
    if isinstance(severity, int):
        lo = hi = severity
    elif isinstance(severity, tuple | list) and len(severity) == 2:
        lo, hi = severity
    else:
        raise CorruptParamError(
            f"severity should be an integer 1..5 or a range [lo, hi]. Got {severity!r}."
        )
    if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi <= 5):
        raise CorruptParamError(
            f"severity should be an integer 1..5 or a range [lo, hi] with 1 <= lo <= hi <= 5. "
            f"Got {severity!r}."
        )
    return lo, hi


class Corruption:
    """Base class: ``make_params`` (randomness) + ``transform`` (pure kernel) + dict handling."""

    name: ClassVar[str] = ""
    has_severity: ClassVar[bool] = True

    def __init__(self, severity: Severity = 3) -> None:
        check_name(self.name)
        self.severity = _severity_range(severity)
        self.options: dict[str, Any] = {}
        self._split()

    def _split(self) -> None:
        given = {k: v for k, v in self.options.items() if v is not None}
        self._params_options, self._kernel_options = split_options(self.name, given)

    def __repr__(self) -> str:
        lo, hi = self.severity
        args = [f"severity={lo}" if lo == hi else f"severity=({lo}, {hi})"]
        if not self.has_severity:
            args = []
        args += [f"{k}={v!r}" for k, v in self.options.items() if v is not None]
        return f"{type(self).__name__}({', '.join(args)})"

    # -- the two hooks -------------------------------------------------------------------
    def make_params(
        self, shape: tuple[int, ...], generator: torch.Generator | None
    ) -> dict[str, torch.Tensor]:
        """All the randomness for a batch of ``shape`` (B, C, H, W), drawn on CPU; the
        per-sample ``severity`` (B,) is drawn first when a range was given."""
        g = cpu_generator(generator)
        b = shape[0]
        lo, hi = self.severity
        if lo == hi:
            sev = torch.full((b,), lo, dtype=torch.int64)
        else:
            sev = torch.randint(lo, hi + 1, (b,), generator=g)
        params = KERNELS[self.name][0](sev, g, tuple(shape), **self._params_options)
        return {**params, "severity": sev}

    def transform(
        self, images: torch.Tensor, params: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Apply the kernel to (B, C, H, W) float images: ``(corrupted, mask or None)``."""
        return KERNELS[self.name][1](images, params, **self._kernel_options)

    # -- calling -------------------------------------------------------------------------
    def check(self, images: torch.Tensor) -> None:
        """Hook for option checks that need the image size (raise CorruptParamError)."""

    def __call__(self, data: Any, generator: torch.Generator | None = None) -> Any:
        if isinstance(data, dict):
            return self._apply_dict(data, generator)
        batch, unbatched = check_images(data)
        self.check(batch)
        out, _ = self.transform(batch, self.make_params(tuple(batch.shape), generator))
        return out[0] if unbatched else out

    def _apply_dict(self, data: dict[str, Any], generator: torch.Generator | None) -> dict:
        if "image" not in data:
            raise CorruptParamError(
                f"{self.name}: expected a sample with an 'image' key, got keys {sorted(data)}"
            )
        image = data["image"]
        if isinstance(image, torch.Tensor) and image.dtype == torch.uint8:
            image = image.float() / 255.0
        batch, unbatched = check_images(image, f"{self.name}: sample['image']")
        self.check(batch)
        params = self.make_params(tuple(batch.shape), generator)
        out, mask = self.transform(batch, params)

        b, _, h, w = batch.shape
        old = data.get("mask")
        if old is None:
            old = torch.zeros(b, h, w, dtype=torch.bool, device=out.device)
        else:
            old = torch.as_tensor(old, device=out.device).bool()
            old = old[None] if unbatched else old
            if tuple(old.shape) != (b, h, w):
                want = (h, w) if unbatched else (b, h, w)
                raise CorruptParamError(
                    f"{self.name}: sample['mask'] should have shape {want} like the image, "
                    f"got {tuple(old.shape[1:] if unbatched else old.shape)}"
                )
        if self.name in MASK_TRANSFORMS:
            old = MASK_TRANSFORMS[self.name](old, params)
        new_mask = old if mask is None else old | mask.to(old.device)

        sev = params["severity"] if self.has_severity else torch.zeros(b, dtype=torch.int64)
        result = dict(data)
        result["image"] = out[0] if unbatched else out
        result.setdefault("clean", image)
        result["mask"] = new_mask[0] if unbatched else new_mask
        prev = data.get("corruption")
        if unbatched:
            result["corruption"] = f"{prev}+{self.name}" if prev else self.name
            result["severity"] = max(int(data.get("severity", 0)), int(sev[0]))
        else:
            prev = list(prev) if prev is not None else [""] * b
            result["corruption"] = [f"{p}+{self.name}" if p else self.name for p in prev]
            old_sev = torch.as_tensor(data.get("severity", 0), dtype=torch.int64).cpu()
            result["severity"] = torch.maximum(old_sev.expand(b), sev)
        return result


# ----------------------------------------------------------------------------- the seed set


class GaussianNoise(Corruption):
    """Additive Gaussian noise: ``clip(x + N(0, sigma))``; sigma from the CIFAR-10-C table for
    the severity, or given explicitly (``sigma`` overrides the severity)."""

    name = "gaussian_noise"

    def __init__(
        self,
        severity: Severity = 3,
        sigma: Annotated[float | None, Range(ge=0), "noise std, overrides severity"] = None,
    ) -> None:
        if sigma is not None and not (isinstance(sigma, int | float) and sigma >= 0):
            raise CorruptParamError(f"sigma should be a non-negative number. Got {sigma!r}.")
        super().__init__(severity)
        self.options = {"sigma": sigma}
        self._split()


def _range_pair(value: Any, what: str, low: int) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if not (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and low <= value[0] <= value[1]
    ):
        raise CorruptParamError(
            f"{what} should be an inclusive range [lo, hi] of integers with {low} <= lo <= hi. "
            f"Got {value!r}."
        )
    return int(value[0]), int(value[1])


class BlackPatches(Corruption):
    """Black rectangles: ``count`` patches (inclusive range), sides of ``size`` pixels
    (inclusive range, height and width drawn independently); mask = the patches. Without
    ``count``/``size`` the severity chooses them."""

    name = "black_patches"

    def __init__(
        self,
        count: Annotated[tuple[int, int] | None, Range(ge=0), "patches per image [lo, hi]"] = None,
        size: Annotated[
            tuple[int, int] | None, Range(ge=1), "patch side in pixels [lo, hi]"
        ] = None,
        severity: Severity = 3,
    ) -> None:
        super().__init__(severity)
        self.options = {
            "count": _range_pair(count, "count", 0),
            "size": _range_pair(size, "size", 1),
        }
        self._split()


class RandomCrop(Corruption):
    """Keep a random window of ``size`` pixels (int or [h, w]; default: the severity's side
    fraction 0.9 .. 0.5), placed anywhere in the image grown by ``padding``. The rest is
    blacked out and masked in place, or with ``resize`` the window is stretched back to the
    full size (bilinear) and only what came from outside the image is masked."""

    name = "random_crop"

    def __init__(
        self,
        size: Annotated[int | tuple[int, int] | None, Range(ge=1), "window side(s)"] = None,
        padding: Annotated[int, Range(ge=0)] = 0,
        resize: bool = False,
        severity: Severity = 3,
    ) -> None:
        if size is not None:
            size = _range_pair(size, "size", 1)
        if not (isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0):
            raise CorruptParamError(f"padding should be a non-negative integer. Got {padding!r}.")
        super().__init__(severity)
        self.options = {"size": size, "padding": padding, "resize": bool(resize)}
        self._split()

    def check(self, images: torch.Tensor) -> None:
        size, pad = self.options["size"], self.options["padding"]
        h, w = images.shape[-2:]
        if size is not None and (size[0] > h + 2 * pad or size[1] > w + 2 * pad):
            raise CorruptParamError(
                f"random_crop: window {size[0]}x{size[1]} does not fit in {h}x{w} images with "
                f"padding {pad}; use a smaller size or more padding"
            )


class Reflect(Corruption):
    """Mirror images left-right with probability ``horizontal`` and top-bottom with
    probability ``vertical`` (``true`` = always, ``false`` = never). Moves the mask along."""

    name = "reflect"
    has_severity = False

    def __init__(
        self,
        horizontal: Annotated[float | bool, Range(ge=0, le=1)] = 0.5,
        vertical: Annotated[float | bool, Range(ge=0, le=1)] = 0.0,
    ) -> None:
        for what, p in (("horizontal", horizontal), ("vertical", vertical)):
            if not (isinstance(p, int | float) and 0 <= p <= 1):
                raise CorruptParamError(
                    f"{what} should be a probability in [0, 1] or a bool. Got {p!r}."
                )
        super().__init__(1)
        self.options = {"horizontal": float(horizontal), "vertical": float(vertical)}
        self._split()


# ----------------------------------------------------------------------------- CIFAR-10-C


class Frost(Corruption):
    """CIFAR-10-C frost: blend with a crop of a frost photograph. The photographs are read from
    ``frost_dir``, else $CORRUPTDATA_FROST_DIR, else the installed ``imagecorruptions``."""

    name = "frost"

    def __init__(self, severity: Severity = 3, frost_dir: str | None = None) -> None:
        super().__init__(severity)
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
