"""CIFAR-10-C "digital" corruptions: brightness, contrast, elastic_transform, pixelate,
jpeg_compression, saturate.

Kernels follow the corruptdata kernel contract: ``NAME_params(severity, generator, shape)`` draws
every random number (on CPU) and returns per-sample tensors with leading dim B; ``NAME(images,
params)`` is a pure function of its inputs, batch-first, device-agnostic, and returns
``(images, None)`` because these corruptions change the whole image smoothly (no mask).

Fidelity to the reference script (``make_cifar_c.py``, see shared/reference/cifar_c.md):

- brightness, saturate: skimage's ``rgb2hsv``/``hsv2rgb`` maths (evaluated in float32 with the
  closed-form hue-sector formula, identical up to rounding).
- contrast: per-image, per-channel spatial mean.
- pixelate: Pillow's BOX resampling down to ``int(H*c)`` and back up, reproduced exactly as two
  separable passes per resize (horizontal, then vertical), each rounded to 8 bits as Pillow does
  on uint8 images. The input is read as an 8-bit image (rounded) as the reference's PIL image is.
- jpeg_compression: libjpeg(-turbo) encode/decode at the quality of the table, 4:2:0 chroma
  subsampling, through ``torchvision.io`` (byte-identical to Pillow's encoder, batched in C++).
  It runs on CPU; the result is moved back to the input's device.
- elastic_transform: the random affine (three points around the centre moved by
  ``U(-affine, affine)``) is a bilinear warp with reflect-101 borders whose source coordinates are
  rounded to 1/32 pixel like OpenCV's ``warpAffine``; the displacement fields are
  ``gaussian_filter(U(-1, 1), sigma, mode='reflect', truncate=3) * alpha`` and the final bilinear
  sampling uses scipy's half-sample ``reflect`` border. OpenCV's fixed-point interpolation
  weights are not reproduced (differences well below one 8-bit level).

Parameters given in pixels by the reference (elastic_transform) are for 32x32 images and are
scaled by ``min(H, W) / 32`` for other sizes.
"""

from __future__ import annotations

import functools
import io
import warnings

import numpy as np
import torch
from PIL import Image

from ._common import table

__all__ = [
    "KERNELS",
    "SEVERITIES",
    "brightness",
    "brightness_params",
    "contrast",
    "contrast_params",
    "elastic_transform",
    "elastic_transform_params",
    "jpeg_compression",
    "jpeg_compression_params",
    "pixelate",
    "pixelate_params",
    "saturate",
    "saturate_params",
]

SEVERITIES: dict[str, list] = {
    "brightness": [0.05, 0.1, 0.15, 0.2, 0.3],
    "contrast": [0.75, 0.5, 0.4, 0.3, 0.15],
    # (alpha, sigma, affine) in pixels for 32x32 images
    "elastic_transform": [
        (0.0, 0.0, 2.56),
        (1.6, 6.4, 2.24),
        (2.56, 1.92, 1.92),
        (3.2, 1.28, 1.6),
        (3.2, 0.96, 0.96),
    ],
    "pixelate": [0.95, 0.9, 0.85, 0.75, 0.65],
    "jpeg_compression": [80, 65, 58, 50, 40],
    # (scale, offset) of the saturation channel
    "saturate": [(0.3, 0.0), (0.1, 0.0), (1.5, 0.0), (2.0, 0.1), (2.5, 0.2)],
}


# ----------------------------------------------------------------------------- shared helpers


def rgb_to_hsv(x: torch.Tensor) -> torch.Tensor:
    """skimage.color.rgb2hsv on (B, 3, H, W): hue in [0, 1), blue > green > red on ties."""
    r, g, b = x.unbind(1)
    v, _ = x.max(1)
    delta = v - x.amin(1)
    zero = delta == 0
    safe = torch.where(zero, torch.ones_like(delta), delta)
    s = torch.where(zero, torch.zeros_like(v), delta / torch.where(v == 0, torch.ones_like(v), v))
    h = torch.where(r == v, (g - b) / safe, torch.zeros_like(v))
    h = torch.where(g == v, 2.0 + (b - r) / safe, h)
    h = torch.where(b == v, 4.0 + (r - g) / safe, h)
    h = torch.remainder(h / 6.0, 1.0)
    h = torch.where(zero, torch.zeros_like(h), h)
    return torch.stack((h, s, v), 1)


def hsv_to_rgb(hsv: torch.Tensor) -> torch.Tensor:
    """skimage.color.hsv2rgb on (B, 3, H, W) via the sector formula (same values)."""
    h, s, v = hsv.unbind(1)
    n = torch.tensor([5.0, 3.0, 1.0], dtype=hsv.dtype, device=hsv.device).view(1, 3, 1, 1)
    k = torch.remainder(n + h.unsqueeze(1) * 6.0, 6.0)
    w = torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0)
    return v.unsqueeze(1) * (1.0 - s.unsqueeze(1) * w)


def gaussian_matrix(sigma: torch.Tensor, n: int, truncate: float, mode: str) -> torch.Tensor:
    """(B, n, n) matrices A with ``A @ f == scipy.ndimage.gaussian_filter1d(f, sigma)`` per sample.

    ``mode`` is scipy's border mode: ``reflect`` (half-sample symmetric, ``d c b a | a b c d``) or
    ``nearest`` (edge replicated). sigma <= 0 gives the identity, as scipy skips such axes.
    """
    sigma = sigma.double()
    radius = (truncate * sigma + 0.5).floor().long()
    rmax = int(radius.max()) if sigma.numel() else 0
    offs = torch.arange(-rmax, rmax + 1, dtype=torch.float64)
    s2 = torch.where(sigma > 0, sigma, torch.ones_like(sigma)).pow(2).unsqueeze(1)
    w = torch.exp(-0.5 * offs.pow(2) / s2)
    w = torch.where(offs.abs().unsqueeze(0) <= radius.unsqueeze(1), w, torch.zeros_like(w))
    w = w / w.sum(1, keepdim=True)
    identity = (offs == 0).double().expand_as(w)
    w = torch.where((sigma > 1e-15).unsqueeze(1), w, identity)
    src = torch.arange(n).unsqueeze(1) + torch.arange(-rmax, rmax + 1).unsqueeze(0)  # (n, K)
    if mode == "reflect":
        period = 2 * n
        src = torch.remainder(src, period)
        src = torch.where(src >= n, period - 1 - src, src)
    elif mode == "nearest":
        src = src.clamp(0, n - 1)
    else:
        raise ValueError(f"mode should be 'reflect' or 'nearest'. Got {mode!r}.")
    b = sigma.shape[0]
    mat = torch.zeros(b, n, n, dtype=torch.float64)
    mat.scatter_add_(
        2, src.unsqueeze(0).expand(b, n, -1).contiguous(), w.unsqueeze(1).expand(b, n, -1)
    )
    return mat.float()


def smooth2d(field: torch.Tensor, sigma: torch.Tensor, truncate: float, mode: str) -> torch.Tensor:
    """scipy.ndimage.gaussian_filter of (B, H, W) fields, per-sample sigma (B,)."""
    _, h, w = field.shape
    ah = gaussian_matrix(sigma, h, truncate, mode).to(field.device, field.dtype)
    aw = ah if w == h else gaussian_matrix(sigma, w, truncate, mode).to(field.device, field.dtype)
    return ah @ field @ aw.transpose(1, 2)


def _fold(idx: torch.Tensor, n: int, mode: str) -> torch.Tensor:
    if mode == "reflect101":
        if n == 1:
            return torch.zeros_like(idx)
        period = 2 * n - 2
        idx = torch.remainder(idx, period)
        return torch.where(idx >= n, period - idx, idx)
    if mode == "reflect":
        period = 2 * n
        idx = torch.remainder(idx, period)
        return torch.where(idx >= n, period - 1 - idx, idx)
    return idx.clamp(0, n - 1)


def bilinear(images: torch.Tensor, ys: torch.Tensor, xs: torch.Tensor, mode: str) -> torch.Tensor:
    """Sample (B, C, H, W) at per-sample float coordinates ys, xs (B, H', W') bilinearly.

    Out-of-range neighbours are folded back with ``mode``: ``reflect101`` (OpenCV's default
    border), ``reflect`` (scipy's half-sample symmetric) or ``nearest``.
    """
    b, c, h, w = images.shape
    y0 = ys.floor()
    x0 = xs.floor()
    fy = (ys - y0).unsqueeze(1)
    fx = (xs - x0).unsqueeze(1)
    y0 = y0.long()
    x0 = x0.long()
    flat = images.reshape(b, c, h * w)
    out_shape = (b, c, *ys.shape[1:])

    def tap(yy: torch.Tensor, xx: torch.Tensor) -> torch.Tensor:
        idx = (_fold(yy, h, mode) * w + _fold(xx, w, mode)).reshape(b, 1, -1).expand(b, c, -1)
        return flat.gather(2, idx).reshape(out_shape)

    top = tap(y0, x0) * (1 - fx) + tap(y0, x0 + 1) * fx
    bottom = tap(y0 + 1, x0) * (1 - fx) + tap(y0 + 1, x0 + 1) * fx
    return top * (1 - fy) + bottom * fy


def _quantize8(x: torch.Tensor) -> torch.Tensor:
    """Round [0, 1] floats to the nearest 8-bit level, half up (as Pillow's fixed point does)."""
    return torch.floor(x.clamp(0, 1) * 255.0 + 0.5)


# ----------------------------------------------------------------------------- brightness


def brightness_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """c: amount added to the HSV value channel."""
    return {"c": table(SEVERITIES["brightness"], severity, torch.float32)}


def brightness(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """HSV value V = clip(V + c); back to RGB."""
    c = params["c"].to(images.device, images.dtype).view(-1, 1, 1)
    hsv = rgb_to_hsv(images)
    h, s, v = hsv.unbind(1)
    v = (v + c).clamp(0, 1)
    return hsv_to_rgb(torch.stack((h, s, v), 1)).clamp(0, 1), None


# ----------------------------------------------------------------------------- saturate


def saturate_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """scale, offset of the HSV saturation channel."""
    c = table(SEVERITIES["saturate"], severity, torch.float32)
    return {"scale": c[:, 0], "offset": c[:, 1]}


def saturate(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """HSV saturation S = clip(S * scale + offset); back to RGB."""
    scale = params["scale"].to(images.device, images.dtype).view(-1, 1, 1)
    offset = params["offset"].to(images.device, images.dtype).view(-1, 1, 1)
    hsv = rgb_to_hsv(images)
    h, s, v = hsv.unbind(1)
    s = (s * scale + offset).clamp(0, 1)
    return hsv_to_rgb(torch.stack((h, s, v), 1)).clamp(0, 1), None


# ----------------------------------------------------------------------------- contrast


def contrast_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """c: factor applied to the deviation from each channel's mean."""
    return {"c": table(SEVERITIES["contrast"], severity, torch.float32)}


def contrast(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """out = clip((x - mu) * c + mu), mu the per-image, per-channel spatial mean."""
    c = params["c"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    mu = images.mean((2, 3), keepdim=True)
    return ((images - mu) * c + mu).clamp(0, 1), None


# ----------------------------------------------------------------------------- pixelate


@functools.lru_cache(maxsize=64)
def box_resize_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """(n_out, n_in) weights of Pillow's BOX filter on one axis (Resample.c precompute_coeffs)."""
    scale = n_in / n_out
    filterscale = max(scale, 1.0)
    support = 0.5 * filterscale
    mat = torch.zeros(n_out, n_in, dtype=torch.float64)
    for xx in range(n_out):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), n_in)
        for x in range(xmin, xmax):
            d = (x - center + 0.5) / filterscale
            mat[xx, x] = 1.0 if -0.5 < d <= 0.5 else 0.0
        total = float(mat[xx].sum())
        if total:
            mat[xx] /= total
    return mat.float()


def _box_resize8(v: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Pillow BOX resize of 8-bit-valued floats (B, C, H, W): horizontal pass, then vertical,
    each rounded to 8 bits."""
    _, _, h, w = v.shape
    oh, ow = size
    if ow != w:
        mw = box_resize_matrix(w, ow).to(v.device, v.dtype)
        v = torch.floor(v @ mw.T + 0.5)
    if oh != h:
        mh = box_resize_matrix(h, oh).to(v.device, v.dtype)
        v = torch.floor(mh @ v + 0.5)
    return v


def pixelate_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """height, width: the reduced size int(H * c), int(W * c)."""
    c = table(SEVERITIES["pixelate"], severity, torch.float64)
    _, _, h, w = shape
    return {"height": (h * c).long().clamp(min=1), "width": (w * c).long().clamp(min=1)}


def pixelate(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """Pillow BOX resize down to (height, width) and back up, on the 8-bit image."""
    _, _, h, w = images.shape
    v = _quantize8(images)
    out = torch.empty_like(v)
    sizes = torch.stack((params["height"], params["width"]), 1).cpu()
    for size in torch.unique(sizes, dim=0).tolist():
        sel = ((sizes[:, 0] == size[0]) & (sizes[:, 1] == size[1])).nonzero().squeeze(1)
        sel = sel.to(images.device)
        small = _box_resize8(v.index_select(0, sel), (size[0], size[1]))
        out.index_copy_(0, sel, _box_resize8(small, (h, w)))
    return out / 255.0, None


# ----------------------------------------------------------------------------- jpeg


def jpeg_compression_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """quality: libjpeg quality 1..100."""
    return {"quality": table(SEVERITIES["jpeg_compression"], severity, torch.int64)}


def _jpeg_torchvision(u8: torch.Tensor, quality: int) -> torch.Tensor:
    """Encode/decode a (N, C, H, W) uint8 batch with torchvision's batched libjpeg-turbo."""
    from torchvision.io import decode_jpeg, encode_jpeg

    with warnings.catch_warnings():
        # torchvision 0.29 deprecates its image codecs in favour of torchcodec; same bytes as PIL
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.stack(decode_jpeg(encode_jpeg(list(u8.unbind(0)), quality=quality)))


def _jpeg_pillow(u8: torch.Tensor, quality: int) -> torch.Tensor:
    """Encode/decode a (N, C, H, W) uint8 batch image by image with Pillow."""
    arrays = u8.permute(0, 2, 3, 1).numpy()
    out = []
    for arr in arrays:
        buf = io.BytesIO()
        Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr).save(
            buf, "JPEG", quality=quality
        )
        out.append(np.asarray(Image.open(buf)).reshape(arr.shape))
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2)


def jpeg_compression(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, None]:
    """JPEG encode at ``quality`` (4:2:0) and decode, on CPU, of the 8-bit image."""
    c = images.shape[1]
    if c not in (1, 3):
        raise ValueError(f"jpeg_compression needs 1 or 3 channels. Got {c}.")
    u8 = _quantize8(images).to("cpu", torch.uint8)
    quality = params["quality"].cpu()
    out = torch.empty_like(u8)
    for q in torch.unique(quality).tolist():
        sel = (quality == q).nonzero().squeeze(1)
        try:
            out[sel] = _jpeg_torchvision(u8[sel], int(q))
        except (ImportError, AttributeError, RuntimeError):
            out[sel] = _jpeg_pillow(u8[sel], int(q))
    return out.to(images.device, images.dtype) / 255.0, None


# ----------------------------------------------------------------------------- elastic


def elastic_transform_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """alpha, sigma (pixels), the three affine points' moves (B, 3, 2) in pixels, and the raw
    U(-1, 1) displacement fields dx, dy (B, H, W) before smoothing."""
    b, _, h, w = shape
    c = table(SEVERITIES["elastic_transform"], severity, torch.float64) * (min(h, w) / 32.0)
    moves = (torch.rand(b, 3, 2, generator=generator, dtype=torch.float64) * 2 - 1) * c[
        :, 2:3, None
    ]
    dx = torch.rand(b, h, w, generator=generator) * 2 - 1
    dy = torch.rand(b, h, w, generator=generator) * 2 - 1
    return {
        "alpha": c[:, 0].float(),
        "sigma": c[:, 1].float(),
        "moves": moves.float(),
        "dx": dx,
        "dy": dy,
    }


def _affine_source(moves: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(B, 2, 3) inverse affine maps (dst -> src, in x, y) of the reference's 3-point affine."""
    cx, cy = float(w // 2), float(h // 2)
    sq = float(min(h, w) // 3)
    pts1 = torch.tensor(
        [[cx + sq, cy + sq], [cx + sq, cy - sq], [cx - sq, cy - sq]], dtype=torch.float64
    )
    pts2 = pts1 + moves.double()
    ones = torch.ones(3, 1, dtype=torch.float64)
    # src = A @ [dst, 1]: solve [pts2, 1] @ A^T = pts1 for each sample
    lhs = torch.cat((pts2, ones.expand(pts2.shape[0], 3, 1)), 2)
    return torch.linalg.solve(lhs, pts1.expand_as(pts2)).transpose(1, 2)


def elastic_transform(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, None]:
    """Random affine warp (reflect-101), then bilinear resampling along smoothed random fields."""
    b, _, h, w = images.shape
    dev, dt = images.device, images.dtype
    inv = _affine_source(params["moves"].cpu(), h, w).to(dev, torch.float64)
    yy, xx = torch.meshgrid(
        torch.arange(h, dtype=torch.float64, device=dev),
        torch.arange(w, dtype=torch.float64, device=dev),
        indexing="ij",
    )
    grid = torch.stack((xx, yy, torch.ones_like(xx)), 0).reshape(3, -1)
    src = inv @ grid  # (B, 2, H*W)
    src = torch.round(src * 32.0) / 32.0  # OpenCV warpAffine's 1/32-pixel coordinates
    xs = src[:, 0].reshape(b, h, w).to(dt)
    ys = src[:, 1].reshape(b, h, w).to(dt)
    warped = bilinear(images, ys, xs, "reflect101")

    sigma = params["sigma"].cpu()
    alpha = params["alpha"].to(dev, dt).view(-1, 1, 1)
    dx = smooth2d(params["dx"].to(dev, dt), sigma, 3.0, "reflect") * alpha
    dy = smooth2d(params["dy"].to(dev, dt), sigma, 3.0, "reflect") * alpha
    out = bilinear(warped, yy.to(dt) + dy, xx.to(dt) + dx, "reflect")
    return out.clamp(0, 1), None


KERNELS = {
    "brightness": (brightness_params, brightness),
    "contrast": (contrast_params, contrast),
    "elastic_transform": (elastic_transform_params, elastic_transform),
    "pixelate": (pixelate_params, pixelate),
    "jpeg_compression": (jpeg_compression_params, jpeg_compression),
    "saturate": (saturate_params, saturate),
}
