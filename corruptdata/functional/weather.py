"""CIFAR-10-C "weather" corruptions: snow, frost, fog, spatter.

Kernel contract: ``NAME_params(severity, generator, shape)`` draws every random number on CPU
(noise fields included) and returns per-sample tensors with leading dim B; ``NAME(images,
params)`` is a pure, batch-first, device-agnostic function returning ``(images, mask or None)``.

Fidelity to the reference script (``make_cifar_c.py``, shared/reference/cifar_c.md):

- fog: the reference's diamond-square plasma fractal (map size: the next power of two of the
  image side, 32 for CIFAR; start wibble 100; ``wibble * U(-wibble, wibble)`` per new point, so
  the params hold one U(-1, 1) per map cell), batched; then ``(x + s*f) * m / (m + s)``.
- frost: ``clip(c0*x + c1*F)`` with F a random crop of one of the reference's five frost
  photographs (frost1.png .. frost5.jpg), each downscaled by 0.2 as OpenCV's bilinear resize
  does (for a factor of exactly 1/5 that picks pixel 5i+2). The photographs are read from a
  folder the caller names, ``$CORRUPTDATA_FROST_DIR``, or the installed ``imagecorruptions``
  package, in that order, and cached per process. Pillow decodes the JPEGs where the reference
  used OpenCV: libjpeg builds may differ by a level here and there.
- snow: the snow layer ``N(loc, scale)`` is zoomed as scipy's ``zoom(order=1)`` on the centre
  crop (an exact interpolation matrix), thresholded, truncated to 8 bits, blurred with
  ImageMagick's MotionBlur algorithm (one-sided Gaussian line kernel of width ``2*radius+1``,
  offsets ``ceil(i*cos(angle) - 0.5)``, edge pixels replicated), truncated to 8 bits as
  ImageMagick 6.9's 8-bit output is, and added with its 180-degree rotation to the brightened image.
- spatter: liquid layer ``gaussian(N(loc, scale), sigma)`` (scikit-image: border ``nearest``,
  truncate 4). Mud (severities 4-5) is exact. Water (1-3) reproduces the OpenCV chain on the
  8-bit layer: Canny (3x3 Sobel with replicated border, L1 gradient, thresholds 50/150,
  non-maximum suppression with OpenCV's tan(22.5) fixed-point test, 8-connected hysteresis),
  the 5x5 chamfer distance transform (weights 1, 1.4, 2.1969 in 16-bit fixed point, OpenCV's
  two raster passes, each row solved with a running minimum), truncation at 20, 3x3 box blurs
  (reflect-101), histogram equalisation, the emboss filter and the pale-turquoise tint, matching
  OpenCV 5 step by step on the 8-bit layer (liquid values above 1 wrap modulo 256 as numpy's
  uint8 cast does on x86). Chamfer distances can differ from OpenCV's by a float32 ulp where
  OpenCV chains additions of 1, which a 3x3 mean then truncation may rarely turn into a level.

Masks: fog, frost, snow and water spatter add or blend smoothly over everything: mask None.
Mud spatter replaces content (at least 80% mud wherever it is non-zero): spatter returns a mask,
True where mud covers the pixel (all-False for water samples).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from corruptdata.errors import CorruptError

from ._common import (
    LEVEL_GUARD,
    clipped_zoom_matrix,
    gaussian_blur,
    line_blur,
    motion_blur_kernel,
    table,
)
from .registry import Record

__all__ = [
    "FROST_FILES",
    "RECORDS",
    "SEVERITIES",
    "fog",
    "fog_params",
    "frost",
    "frost_params",
    "frost_textures",
    "snow",
    "snow_params",
    "spatter",
    "spatter_params",
]

SEVERITIES: dict[str, list] = {
    # (loc, scale, zoom, threshold, blur_radius, blur_sigma, blend)
    "snow": [
        (0.1, 0.2, 1, 0.6, 8, 3, 0.95),
        (0.1, 0.2, 1, 0.5, 10, 4, 0.9),
        (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
        (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85),
        (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8),
    ],
    # (image_weight, frost_weight)
    "frost": [(1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)],
    # (strength, wibble_decay)
    "fog": [(0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)],
    # (loc, scale, sigma, threshold, intensity, mode: 0 water, 1 mud)
    "spatter": [
        (0.62, 0.1, 0.7, 0.7, 0.5, 0),
        (0.65, 0.1, 0.8, 0.7, 0.5, 0),
        (0.65, 0.3, 1, 0.69, 0.5, 0),
        (0.65, 0.1, 0.7, 0.69, 0.6, 1),
        (0.65, 0.1, 0.5, 0.68, 0.6, 1),
    ],
}

Shape = tuple[int, int, int, int]


def _row(name: str, severity: torch.Tensor) -> torch.Tensor:
    return table(SEVERITIES[name], severity, torch.float64)


# ----------------------------------------------------------------------------- fog


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def fog_params(severity: torch.Tensor, generator: torch.Generator, shape: Shape) -> dict:
    """strength, wibble decay (B,) and one U(-1, 1) per cell of the plasma map (B, M, M)."""
    b, _, h, w = shape
    c = _row("fog", severity)
    size = _next_pow2(max(h, w))
    field = torch.rand(b, size, size, generator=generator, dtype=torch.float64) * 2 - 1
    return {"strength": c[:, 0].float(), "decay": c[:, 1].float(), "field": field.float()}


def plasma_fractal(field: torch.Tensor, decay: torch.Tensor) -> torch.Tensor:
    """Diamond-square height maps (B, M, M) in [0, 1], the reference's algorithm, batched.

    The new point at each cell is ``mean/4 + wibble**2 * field[cell]``, ``wibble`` starting at
    100 and divided by ``decay`` (B,) after every level.
    """
    b, size, _ = field.shape
    m = torch.zeros_like(field)
    wibble = torch.full((b, 1, 1), 100.0, dtype=field.dtype, device=field.device)
    decay = decay.to(field.device, field.dtype).view(b, 1, 1)
    step = size
    while step >= 2:
        half = step // 2
        amp = wibble * wibble
        corner = m[:, ::step, ::step]
        sq = corner + corner.roll(-1, 1)
        sq = sq + sq.roll(-1, 2)
        m[:, half::step, half::step] = sq / 4 + amp * field[:, half::step, half::step]
        dr = m[:, half::step, half::step]
        ul = m[:, ::step, ::step]
        lt = dr + dr.roll(1, 1) + ul + ul.roll(-1, 2)
        m[:, ::step, half::step] = lt / 4 + amp * field[:, ::step, half::step]
        tt = dr + dr.roll(1, 2) + ul + ul.roll(-1, 1)
        m[:, half::step, ::step] = tt / 4 + amp * field[:, half::step, ::step]
        step = half
        wibble = wibble / decay
    m = m - m.amin((1, 2), keepdim=True)
    return m / m.amax((1, 2), keepdim=True)


def fog(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """out = clip((x + s*fractal) * max(x) / (max(x) + s)), max over the whole image."""
    _, _, h, w = images.shape
    frac = plasma_fractal(params["field"].to(images.device, images.dtype), params["decay"])
    frac = frac[:, None, :h, :w]
    s = params["strength"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    mx = images.amax((1, 2, 3), keepdim=True)
    return ((images + s * frac) * mx / (mx + s)).clamp(0, 1), None


# ----------------------------------------------------------------------------- frost

FROST_FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")


def _frost_dirs(frost_dir: str | os.PathLike | None) -> list[Path]:
    if frost_dir is not None:
        return [Path(frost_dir)]
    dirs = []
    env = os.environ.get("CORRUPTDATA_FROST_DIR")
    if env:
        dirs.append(Path(env))
    spec = importlib.util.find_spec("imagecorruptions")
    if spec is not None and spec.submodule_search_locations:
        dirs.extend(Path(p) / "frost" for p in spec.submodule_search_locations)
    return dirs


@functools.lru_cache(maxsize=8)
def _load_textures(folder: Path) -> tuple[torch.Tensor, ...]:
    out = []
    for name in FROST_FILES:
        path = folder / name
        try:
            with Image.open(path) as im:
                arr = np.asarray(im.convert("RGB"))
        except OSError as err:
            raise CorruptError(
                f"frost texture {path} could not be read ({err}); expected an image file"
            ) from err
        # OpenCV's bilinear resize by fx=fy=0.2 samples source pixel 5i+2 exactly
        small = arr[2::5, 2::5][: round(arr.shape[0] * 0.2), : round(arr.shape[1] * 0.2)]
        out.append(torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1))
    return tuple(out)


def frost_textures(frost_dir: str | os.PathLike | None = None) -> tuple[torch.Tensor, ...]:
    """The five reference frost photographs, downscaled by 0.2, as uint8 (3, h, w) tensors.

    Looks in ``frost_dir`` if given, else ``$CORRUPTDATA_FROST_DIR``, else the ``frost`` folder
    of the installed ``imagecorruptions`` package. Cached per process and folder.
    """
    dirs = _frost_dirs(frost_dir)
    for folder in dirs:
        if all((folder / name).is_file() for name in FROST_FILES):
            return _load_textures(folder.resolve())
    looked = ", ".join(str(d) for d in dirs) or "nowhere (no folder given, "
    if not dirs:
        looked += "CORRUPTDATA_FROST_DIR unset, imagecorruptions not installed)"
    raise CorruptError(
        f"frost needs the texture photographs {', '.join(FROST_FILES)}; looked in {looked} and "
        "did not find all of them. Fix: `pip install imagecorruptions` (they ship with it), or "
        "point CORRUPTDATA_FROST_DIR (or the frost_dir parameter) at a folder holding them."
    )


def frost_params(severity: torch.Tensor, generator: torch.Generator, shape: Shape) -> dict:
    """image and frost weights (B,), texture index (B,) in 0..4 and crop position fractions
    (B, 2) in [0, 1); the kernel turns them into pixel offsets of the chosen texture."""
    b = shape[0]
    c = _row("frost", severity)
    index = torch.randint(0, len(FROST_FILES), (b,), generator=generator)
    where = torch.rand(b, 2, generator=generator, dtype=torch.float64)
    return {
        "image_weight": c[:, 0].float(),
        "frost_weight": c[:, 1].float(),
        "texture": index,
        "position": where,
    }


def frost(
    images: torch.Tensor,
    params: dict[str, torch.Tensor],
    frost_dir: str | os.PathLike | None = None,
) -> tuple[torch.Tensor, None]:
    """out = clip(c0*x + c1*crop/255), crop a random (H, W) window of one frost texture."""
    b, c, h, w = images.shape
    textures = frost_textures(frost_dir)
    index = params["texture"].cpu()
    position = params["position"].cpu()
    crops = torch.empty(b, 3, h, w, dtype=torch.uint8)
    for t in torch.unique(index).tolist():
        tex = textures[t]
        th, tw = tex.shape[1:]
        if th <= h or tw <= w:
            raise CorruptError(
                f"frost texture {FROST_FILES[t]} is {th}x{tw} after downscaling, too small for "
                f"{h}x{w} images; expected more than the image size"
            )
        sel = (index == t).nonzero().squeeze(1)
        oy = (position[sel, 0] * (th - h)).long()
        ox = (position[sel, 1] * (tw - w)).long()
        rows = (oy[:, None] + torch.arange(h))[:, :, None]
        cols = (ox[:, None] + torch.arange(w))[:, None, :]
        crops[sel] = tex[:, rows, cols].permute(1, 0, 2, 3)
    frost_layer = crops.to(images.device, images.dtype) / 255.0
    if c == 1:
        frost_layer = frost_layer.mean(1, keepdim=True)
    a = params["image_weight"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    f = params["frost_weight"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    return (a * images + f * frost_layer).clamp(0, 1), None


# ----------------------------------------------------------------------------- snow


def _zoom_matrices(zoom: torch.Tensor, n: int) -> torch.Tensor:
    mats = {z: clipped_zoom_matrix(n, z) for z in set(zoom.tolist())}
    return torch.stack([mats[z] for z in zoom.tolist()])


def snow_params(severity: torch.Tensor, generator: torch.Generator, shape: Shape) -> dict:
    """The severity row (loc, scale, zoom, threshold, radius, sigma, blend), a standard normal
    field (B, H, W) for the snow layer and the motion-blur angle (B,) ~ U(-135, -45) degrees."""
    b, _, h, w = shape
    c = _row("snow", severity)
    noise = torch.randn(b, h, w, generator=generator)
    angle = torch.rand(b, generator=generator, dtype=torch.float64) * 90 - 135
    names = ("loc", "scale", "zoom", "threshold", "radius", "sigma", "blend")
    params = {n: c[:, i].float() for i, n in enumerate(names)}
    params["zoom"] = c[:, 2]  # float64: the zoom geometry depends on exact values
    params.update(noise=noise, angle=angle.float())
    return params


def snow_layer(params: dict[str, torch.Tensor], device: torch.device) -> torch.Tensor:
    """The reference's snow layer (B, 1, H, W) before it is added: zoomed, thresholded, 8-bit,
    motion-blurred and truncated to 8 bits."""
    noise = params["noise"].to(device, torch.float32)
    _, h, w = noise.shape
    layer = (
        params["loc"].to(device).view(-1, 1, 1) + params["scale"].to(device).view(-1, 1, 1) * noise
    )
    zoom = params["zoom"].cpu().double()
    if bool((zoom != 1).any()):
        zh = _zoom_matrices(zoom, h).to(device, torch.float32)
        zw = zh if h == w else _zoom_matrices(zoom, w).to(device, torch.float32)
        layer = zh @ layer @ zw.transpose(1, 2)
    thr = params["threshold"].to(device).view(-1, 1, 1)
    layer = torch.where(layer < thr, torch.zeros_like(layer), layer).clamp(0, 1)
    layer = torch.floor(layer * 255.0) / 255.0
    taps = motion_blur_kernel(params["radius"], params["sigma"], params["angle"])
    blurred = line_blur(layer[:, None], *taps)
    # ImageMagick 6.9 writes the blurred layer as 8 bits by truncation (the guard keeps a level
    # that float rounding puts a hair below itself)
    return torch.floor(blurred * 255.0 + LEVEL_GUARD) / 255.0


def snow(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """Brighten towards grey*1.5+0.5 by (1 - blend), add the snow layer and its 180° rotation."""
    layer = snow_layer(params, images.device).to(images.dtype)
    if images.shape[1] == 3:
        gray = (images * images.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, True)
    else:
        gray = images.mean(1, keepdim=True)
    blend = params["blend"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    x = blend * images + (1 - blend) * torch.maximum(images, gray * 1.5 + 0.5)
    return (x + layer + layer.flip(-1, -2)).clamp(0, 1), None


# ----------------------------------------------------------------------------- spatter


def _pad(x: torch.Tensor, p: int, mode: str) -> torch.Tensor:
    """Pad (B, H, W) on both spatial sides; mode 'reflect' is OpenCV's reflect-101."""
    return F.pad(x[:, None], (p, p, p, p), mode=mode)[:, 0]


# The 3x3 filters below are sums of shifted slices: on (B, 1, 32, 32) maps a one-channel
# convolution or pooling costs milliseconds, the slices microseconds. Their inputs are
# integer-valued (or, for the first box blur, float32 values summed exactly in float64), so
# every sum is exact and the order of the terms does not matter.


def _sobel(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """OpenCV Sobel dx, dy (aperture 3, replicated border) of 8-bit valued (B, H, W): int32."""
    xp = _pad(x.float(), 1, "replicate").to(torch.int32)
    hd = xp[:, :, 2:] - xp[:, :, :-2]  # (B, H+2, W)
    vd = xp[:, 2:, :] - xp[:, :-2, :]  # (B, H, W+2)
    dx = hd[:, :-2] + 2 * hd[:, 1:-1] + hd[:, 2:]
    dy = vd[..., :-2] + 2 * vd[..., 1:-1] + vd[..., 2:]
    return dx, dy


def _dilate3(x: torch.Tensor) -> torch.Tensor:
    """3x3 binary dilation of (B, H, W) bools, False outside."""
    xp = F.pad(x, (1, 1, 1, 1))
    rows = xp[:, :, :-2] | xp[:, :, 1:-1] | xp[:, :, 2:]
    return rows[:, :-2] | rows[:, 1:-1] | rows[:, 2:]


def canny(img: torch.Tensor, low: int = 50, high: int = 150) -> torch.Tensor:
    """OpenCV Canny (aperture 3, L1 gradient) of 8-bit valued (B, H, W) floats: bool edges."""
    h, w = img.shape[1:]
    dx, dy = _sobel(img)  # |d| <= 1020: OpenCV's fixed-point tests below fit in int32
    ax = dx.abs()
    mag = ax + dy.abs()
    mp = F.pad(mag, (1, 1, 1, 1))  # magnitude outside the image is 0

    def nb(oy: int, ox: int) -> torch.Tensor:
        return mp[:, 1 + oy : 1 + oy + h, 1 + ox : 1 + ox + w]

    ay = dy.abs() << 15
    tg22 = ax * 13573
    tg67 = tg22 + (ax << 16)
    horizontal = ay < tg22
    vertical = ~horizontal & (ay > tg67)
    diagonal = ~horizontal & ~vertical
    same_sign = (dx ^ dy) >= 0  # s = 1 in OpenCV
    keep_h = (mag > nb(0, -1)) & (mag >= nb(0, 1))
    keep_v = (mag > nb(-1, 0)) & (mag >= nb(1, 0))
    keep_d = torch.where(
        same_sign,
        (mag > nb(-1, -1)) & (mag > nb(1, 1)),
        (mag > nb(-1, 1)) & (mag > nb(1, -1)),
    )
    keep = (horizontal & keep_h) | (vertical & keep_v) | (diagonal & keep_d)
    candidate = keep & (mag > low)
    edges = candidate & (mag > high)
    while True:  # 8-connected hysteresis: grow strong edges through candidates
        grown = _dilate3(edges) & candidate
        if torch.equal(grown, edges):
            return edges
        edges = grown


_HV, _DIAG, _LONG = 1.0, 1.4, 2.1969  # OpenCV's 5x5 chamfer weights for DIST_L2
_DIST_MAX = 1.0e9


def distance_transform(zero: torch.Tensor) -> torch.Tensor:
    """OpenCV distanceTransform(DIST_L2, 5) to the nearest True pixel of (B, H, W): float32.

    OpenCV's forward and backward raster passes over a 2-pixel border, each candidate one
    float32 addition as in OpenCV; the in-row dependency of each pass is a running minimum
    (evaluated in float64 and rounded once, where OpenCV adds 1 repeatedly). The map is held
    as (H+4, W+4, B) so that every row step works on contiguous (W, B) blocks, and candidates
    sharing a weight are compared before the addition (``min(a+c, b+c) == min(a, b)+c``
    exactly: rounding is monotone).
    """
    b, h, w = zero.shape
    dev = zero.device
    t = torch.full((h + 4, w + 4, b), _DIST_MAX, dtype=torch.float32, device=dev)
    zt = zero.permute(1, 2, 0).contiguous()
    j = (torch.arange(w, device=dev, dtype=torch.float64) * _HV)[:, None]
    mn = torch.minimum
    for i in range(h):
        r = i + 2
        up2, up1 = t[r - 2], t[r - 1]
        far = mn(mn(up2[1 : w + 1], up2[3 : w + 3]), mn(up1[0:w], up1[4 : w + 4]))
        near = mn(up1[1 : w + 1], up1[3 : w + 3])
        cands = mn(mn(far.add_(_LONG), near.add_(_DIAG)), up1[2 : w + 2] + _HV)
        a = cands.masked_fill_(zt[i], 0.0).double()
        t[r, 2 : w + 2] = torch.cummin(a.sub_(j), 0).values.add_(j)
    for i in range(h - 1, -1, -1):
        r = i + 2
        dn2, dn1 = t[r + 2], t[r + 1]
        far = mn(mn(dn2[3 : w + 3], dn2[1 : w + 1]), mn(dn1[4 : w + 4], dn1[0:w]))
        near = mn(dn1[3 : w + 3], dn1[1 : w + 1])
        cands = mn(mn(far.add_(_LONG), near.add_(_DIAG)), mn(dn1[2 : w + 2] + _HV, t[r, 2 : w + 2]))
        rev = cands.double().add_(j).flip(0)
        t[r, 2 : w + 2] = torch.cummin(rev, 0).values.flip(0).sub_(j)
    return t[2 : h + 2, 2 : w + 2].permute(2, 0, 1).contiguous()


def _box3(x: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """OpenCV blur(3x3), border reflect-101 (float64 like its float path; float32 is exact for
    8-bit integer input): the exact sum of the 9 values, divided by 9."""
    xp = _pad(x.to(dtype), 1, "reflect")
    rows = xp[:, :, :-2] + xp[:, :, 1:-1] + xp[:, :, 2:]
    return (rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]) / 9.0


def _emboss(x: torch.Tensor) -> torch.Tensor:
    """filter2D with [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]] (border reflect-101) of 8-bit valued
    float32 (B, H, W)."""
    h, w = x.shape[1:]
    xp = _pad(x, 1, "reflect")

    def s(oy: int, ox: int) -> torch.Tensor:
        return xp[:, 1 + oy : 1 + oy + h, 1 + ox : 1 + ox + w]

    pos = s(0, 0) + s(0, 1) + s(1, 0) + 2 * s(1, 1)
    return pos - (2 * s(-1, -1) + s(-1, 0) + s(0, -1))


def equalize_hist(img: torch.Tensor) -> torch.Tensor:
    """OpenCV equalizeHist of 8-bit valued (B, H, W) floats."""
    b, h, w = img.shape
    total = h * w
    v = img.long().reshape(b, -1)
    hist = torch.zeros(b, 256, dtype=torch.int64, device=img.device)
    hist.scatter_add_(1, v, torch.ones_like(v))
    first = (hist > 0).int().argmax(1)
    first_count = hist.gather(1, first[:, None])
    csum = hist.cumsum(1)
    scale = (255.0 / (total - first_count).clamp(min=1).double()).float()  # OpenCV: float32
    lut = torch.round((csum - csum.gather(1, first[:, None])).float() * scale).clamp(0, 255)
    lut = torch.where(first_count == total, first[:, None].float().expand(-1, 256), lut)
    return lut.gather(1, v).view(b, h, w)


def _water_shading(liquid: torch.Tensor) -> torch.Tensor:
    """The reference's edge-distance shading of the 8-bit liquid layer: (B, H, W) float."""
    # numpy's uint8 cast of liquid*255 wraps values of 256 and above on x86; so do we
    l8 = torch.remainder(torch.floor(liquid.clamp(min=0) * 255.0), 256.0)
    edges = canny(l8)
    dist = distance_transform(edges).double().clamp(max=20.0)
    dist = torch.floor(_box3(dist).float().double())
    dist = equalize_hist(dist)
    dist = _emboss(dist.float()).clamp(0, 255)
    dist = torch.round(_box3(dist, torch.float32)).double()
    return l8.double() * dist


def spatter_params(severity: torch.Tensor, generator: torch.Generator, shape: Shape) -> dict:
    """The severity row (loc, scale, sigma, threshold, intensity, mode) and a standard normal
    field (B, H, W) for the liquid layer."""
    b, _, h, w = shape
    c = _row("spatter", severity)
    names = ("loc", "scale", "sigma", "threshold", "intensity")
    params = {n: c[:, i].float() for i, n in enumerate(names)}
    params["mode"] = c[:, 5].long()
    params["noise"] = torch.randn(b, h, w, generator=generator)
    return params


def spatter(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Water (mode 0): add pale turquoise times the edge shading. Mud (mode 1): blend towards
    mud brown where the smoothed liquid mask is at least 0.8; mask = mud-covered pixels."""
    b, c, h, w = images.shape
    dev, dt = images.device, images.dtype

    def col(key: str) -> torch.Tensor:
        return params[key].to(dev, dt).view(-1, 1, 1)

    liquid = col("loc") + col("scale") * params["noise"].to(dev, dt)
    liquid = gaussian_blur(liquid[:, None], params["sigma"].cpu())[:, 0]
    thr = col("threshold")
    liquid = torch.where(liquid < thr, torch.zeros_like(liquid), liquid)
    mode = params["mode"].cpu()
    out = images.clone()
    mask = torch.zeros(b, h, w, dtype=torch.bool, device=dev)

    water = (mode == 0).nonzero().squeeze(1).to(dev)
    if water.numel():
        m = _water_shading(liquid[water])
        peak = m.amax((1, 2), keepdim=True)
        m = torch.where(peak > 0, m / torch.where(peak > 0, peak, torch.ones_like(peak)), 0.0)
        m = (m * params["intensity"].to(dev).double()[water].view(-1, 1, 1)).to(dt)
        tint = torch.tensor([175.0, 238.0, 238.0], dtype=dt, device=dev) / 255.0
        tint = tint[:c] if c <= 3 else tint.mean().expand(c)
        out[water] = (images[water] + m[:, None] * tint.view(1, -1, 1, 1)).clamp(0, 1)

    mud = (mode == 1).nonzero().squeeze(1).to(dev)
    if mud.numel():
        wet = (liquid[mud] > thr[mud]).to(dt)
        m = gaussian_blur(wet[:, None], params["intensity"].cpu()[mud.cpu()])[:, 0]
        m = torch.where(m < 0.8, torch.zeros_like(m), m)
        brown = torch.tensor([63.0, 42.0, 20.0], dtype=dt, device=dev) / 255.0
        brown = brown[:c] if c <= 3 else brown.mean().expand(c)
        m4 = m[:, None]
        out[mud] = (images[mud] * (1 - m4) + brown.view(1, -1, 1, 1) * m4).clamp(0, 1)
        mask[mud] = m > 0
    return out, mask


RECORDS = (
    Record("snow", snow_params, snow, SEVERITIES["snow"], "weather"),
    Record("frost", frost_params, frost, SEVERITIES["frost"], "weather"),
    Record("fog", fog_params, fog, SEVERITIES["fog"], "weather"),
    Record("spatter", spatter_params, spatter, SEVERITIES["spatter"], "weather"),
)
