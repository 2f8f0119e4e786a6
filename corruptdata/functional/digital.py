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
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from PIL import Image

from corruptdata.errors import CorruptError

from ._common import bilinear, gaussian_blur, table
from .registry import Record

__all__ = [
    "RECORDS",
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


def _quantize8(x: torch.Tensor) -> torch.Tensor:
    """Round [0, 1] floats to the nearest 8-bit level, half up (as Pillow's fixed point does)."""
    return torch.floor_(x.mul(255.0).add_(0.5)).clamp_(0, 255)


def _quantize_u8(x: torch.Tensor) -> torch.Tensor:
    """:func:`_quantize8` as uint8 on CPU in three passes instead of five: for x in [0, 1]
    (validated), ``x * 255 + 0.5`` lies in [0.5, 255.5], where the cast's truncation is the
    floor and no clamp is needed."""
    return x.mul(255.0).add_(0.5).to("cpu", torch.uint8)


# ----------------------------------------------------------------------------- brightness


def brightness_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """c: amount added to the HSV value channel."""
    return {"c": table(SEVERITIES["brightness"], severity, torch.float32)}


def brightness(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """HSV value V = clip(V + c); back to RGB.

    With hue and saturation unchanged, hsv2rgb(h, s, V') is the pixel scaled by V'/V (a black
    pixel, hue and saturation 0, becomes grey V'), so no HSV round trip is needed.
    """
    c = params["c"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    v = images.amax(1, keepdim=True)
    v_new = (v + c).clamp(0, 1)
    scaled = images * (v_new / torch.where(v > 0, v, torch.ones_like(v)))
    return torch.where(v > 0, scaled, v_new.expand_as(images)).clamp(0, 1), None


# ----------------------------------------------------------------------------- saturate


def saturate_params(
    severity: torch.Tensor, generator: torch.Generator, shape: tuple[int, int, int, int]
) -> dict[str, torch.Tensor]:
    """scale, offset of the HSV saturation channel."""
    c = table(SEVERITIES["saturate"], severity, torch.float32)
    return {"scale": c[:, 0], "offset": c[:, 1]}


def saturate(images: torch.Tensor, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, None]:
    """HSV saturation S = clip(S * scale + offset); back to RGB.

    hsv2rgb gives each channel v - v*S*w(h), so with hue and value unchanged a channel becomes
    v - (S'/S)(v - x). A grey pixel (S = 0, hue 0 by skimage's convention) becomes
    (v, v(1-S'), v(1-S')).
    """
    scale = params["scale"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    offset = params["offset"].to(images.device, images.dtype).view(-1, 1, 1, 1)
    v = images.amax(1, keepdim=True)
    delta = v - images.amin(1, keepdim=True)
    grey = delta == 0
    s = delta / torch.where(grey, torch.ones_like(v), v)
    s_new = (s * scale + offset).clamp(0, 1)
    coloured = v - (v - images) * (s_new / torch.where(grey, torch.ones_like(s), s))
    hue0 = images.new_tensor([0.0, 1.0, 1.0]).view(1, 3, 1, 1) if images.shape[1] == 3 else 0.0
    greys = v - v * s_new * hue0
    return torch.where(grey, greys, coloured).clamp(0, 1), None


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
    b, c = v.shape[:2]
    if ow != w:
        mw = box_resize_matrix(w, ow).to(v.device, v.dtype)
        half = v.new_full((1,), 0.5)
        v = torch.floor_(torch.addmm(half, v.reshape(-1, w), mw.T)).view(b, c, h, ow)
        w = ow
    if oh != h:
        mh = box_resize_matrix(h, oh).to(v.device, v.dtype)
        vt = v.transpose(2, 3).reshape(-1, h)
        half = v.new_full((1,), 0.5)
        v = torch.floor_(torch.addmm(half, vt, mh.T)).view(b, c, w, oh).transpose(2, 3)
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
    sizes = torch.stack((params["height"], params["width"]), 1).cpu()
    if bool((sizes == sizes[:1]).all()):
        small = _box_resize8(v, (int(sizes[0, 0]), int(sizes[0, 1])))
        return _box_resize8(small, (h, w)).contiguous() / 255.0, None
    out = torch.empty_like(v)
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


def _jpeg_torchvision(
    u8: torch.Tensor, quality: int, stack: bool = True
) -> torch.Tensor | list[torch.Tensor]:
    """Encode/decode a (N, C, H, W) uint8 batch with torchvision's batched libjpeg-turbo
    (``stack=False``: the list of decoded images)."""
    from torchvision.io import decode_jpeg, encode_jpeg

    with warnings.catch_warnings():
        # torchvision 0.29 deprecates its image codecs in favour of torchcodec; same bytes as PIL
        warnings.simplefilter("ignore", DeprecationWarning)
        out = decode_jpeg(encode_jpeg(list(u8.unbind(0)), quality=quality))
    return torch.stack(out) if stack else out


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


@functools.lru_cache(maxsize=4)
def _codec_pool(pid: int, workers: int) -> ThreadPoolExecutor:
    """Threads for the codec, one pool per process (``pid``: a forked worker makes its own)."""
    return ThreadPoolExecutor(workers, thread_name_prefix="corruptdata-jpeg")


def _jpeg_block(images: torch.Tensor, quality: int) -> torch.Tensor:
    """8-bit JPEG round trip of a (n, C, H, W) float block: float (n, C, H, W) on CPU."""
    u8 = _quantize_u8(images)
    try:
        out = _jpeg_torchvision(u8, quality)
    except (ImportError, AttributeError, RuntimeError):
        out = _jpeg_pillow(u8, quality)
    return out.to(images.dtype).div_(255.0)


def _jpeg_block_numpy(arr: np.ndarray, quality: int, dest: np.ndarray) -> None:
    """:func:`_jpeg_block` of a float32 numpy block into ``dest``, for a pool thread: numpy
    does the arithmetic (the same IEEE float32 operations, so the same values) because a torch
    op on a non-main thread would start another OpenMP team, which slows every later torch op
    of the process (libgomp throttles its spinning once it holds more threads than cores)."""
    v = arr * np.float32(255.0)
    v += np.float32(0.5)
    u8 = v.astype(np.uint8)  # truncation: floor of v in [0.5, 255.5], as _quantize_u8
    try:
        out = _jpeg_torchvision(torch.from_numpy(u8), quality, stack=False)
        out = np.stack([image.numpy() for image in out])
    except (ImportError, AttributeError, RuntimeError):
        out = _jpeg_pillow(torch.from_numpy(u8), quality).numpy()
    np.divide(out, np.float32(255.0), out=dest, dtype=np.float32)


def jpeg_compression(
    images: torch.Tensor, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, None]:
    """JPEG encode at ``quality`` (4:2:0) and decode, on CPU, of the 8-bit image.

    libjpeg releases the GIL: a float32 CPU batch is cut into blocks of at least 32 images
    that ``torch.get_num_threads()`` threads (1 in DataLoader workers: no oversubscription)
    quantise, code and rescale. Other inputs go through :func:`_jpeg_block` in one piece.
    """
    b, c = images.shape[:2]
    if c not in (1, 3):
        raise CorruptError(f"jpeg_compression needs 1 or 3 channels. Got {c}.")
    quality = params["quality"].cpu()
    threads = max(1, torch.get_num_threads())
    blocks: list[tuple[torch.Tensor, int]] = []
    for q in torch.unique(quality).tolist():
        sel = (quality == q).nonzero().squeeze(1)
        parts = max(1, min(threads, len(sel) // 32))
        blocks += [(part, int(q)) for part in sel.tensor_split(parts)]
    threaded = len(blocks) > 1 and images.device.type == "cpu" and images.dtype == torch.float32
    if len(blocks) == 1 and len(blocks[0][0]) == b:  # one quality, one block: no copy back
        return _jpeg_block(images, blocks[0][1]).to(images.device), None
    out = torch.empty(images.shape, dtype=images.dtype)
    if not threaded:
        for sel, q in blocks:
            whole = len(sel) == b
            out[sel] = _jpeg_block(images if whole else images[sel.to(images.device)], q)
        return out.to(images.device), None
    arr = images.detach().numpy()
    dest = out.numpy()
    jobs, scattered = [], []
    for sel, q in blocks:
        lo, hi = int(sel[0]), int(sel[-1]) + 1
        if hi - lo == len(sel):  # a run of consecutive images (one quality: the batch in order)
            jobs.append((arr[lo:hi], q, dest[lo:hi]))
        else:
            scattered.append((sel, np.empty((len(sel), *arr.shape[1:]), np.float32)))
            jobs.append((arr[sel.numpy()], q, scattered[-1][1]))
    # the filter of _jpeg_torchvision for all threads; leaving this block also restores the
    # global filters that the threads' own (not thread-safe) catch_warnings may interleave
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        list(_codec_pool(os.getpid(), threads).map(_jpeg_block_numpy, *zip(*jobs, strict=True)))
    for sel, res in scattered:
        out[sel] = torch.from_numpy(res)
    return out, None


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
    fields = torch.stack((params["dx"], params["dy"]), 1).to(dev, dt)  # (B, 2, H, W)
    dx, dy = (gaussian_blur(fields, sigma, 3.0, "reflect") * alpha[:, None]).unbind(1)
    out = bilinear(warped, yy.to(dt) + dy, xx.to(dt) + dx, "reflect")
    return out.clamp(0, 1), None


RECORDS = (
    Record("brightness", brightness_params, brightness, SEVERITIES["brightness"], "digital"),
    Record("contrast", contrast_params, contrast, SEVERITIES["contrast"], "digital"),
    Record(
        "elastic_transform",
        elastic_transform_params,
        elastic_transform,
        SEVERITIES["elastic_transform"],
        "digital",
    ),
    Record("pixelate", pixelate_params, pixelate, SEVERITIES["pixelate"], "digital"),
    Record(
        "jpeg_compression",
        jpeg_compression_params,
        jpeg_compression,
        SEVERITIES["jpeg_compression"],
        "digital",
    ),
    Record("saturate", saturate_params, saturate, SEVERITIES["saturate"], "digital"),
)
