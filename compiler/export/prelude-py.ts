// The fixed part of an exported model.py: safetensors I/O and one torch function per IR op that is
// more than a one-liner (the SDN sweep, the GRU cell, the likelihoods, masks, weight norm), of which
// a model's file gets those it uses. Each mirrors the CPU reference kernel of the same name in
// runtime/cpu/kernels/, with the same clamps and thresholds (runtime/likelihood-constants.ts).
import { DL_EPS, DL_MEAN_HI, DL_MEAN_LO, DML_EDGE, DML_MIN_DELTA, DML_MIN_LOG_SCALE, DML_MODE_HI, DML_MODE_LO, LOG_FLOOR } from '../../runtime/likelihood-constants.js';

export const PRELUDE_PY = String.raw`import json
import math
import os
import struct

import torch
import torch.nn.functional as F
from torch import nn


# ---- safetensors: 8-byte little-endian header length, a JSON header, then raw tensor bytes ----

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}


def load_safetensors(path):
    """(tensors as float32, metadata) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8 or data[8:9] != b"{":
        hint = " (a pickled PyTorch checkpoint? convert it with convert.py)" if data[:2] in (b"PK", b"\x80\x02") else ""
        raise ValueError(f"{path}: not a safetensors file{hint}")
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor '{name}' has dtype {info['dtype']}; only {', '.join(_DTYPES)} are read")
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        flat = torch.frombuffer(raw, dtype=_DTYPES[info["dtype"]]) if raw else torch.zeros(0, dtype=_DTYPES[info["dtype"]])
        tensors[name] = flat.reshape(info["shape"]).float()
    return tensors, metadata


def save_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors atomically (a temporary file, then a rename)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        blob = t.detach().to("cpu", torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)
`;

/** A threshold as a Python float literal, in its shortest decimal form (1e-5, -7.0). */
const lit = (v: number): string => (Number.isInteger(v) ? `${v}.0` : Math.abs(v) < 1e-4 ? v.toExponential() : String(v));

/** The op helpers, each a top-level definition; a model's file gets those its code uses. */
const OPS_PY = String.raw`def masked(w, kind):
    """PixelCNN mask on a conv weight: type A keeps the taps before the centre in raster order, B also the centre."""
    kh, kw = w.shape[-2:]
    cy, cx = kh // 2, kw // 2 + (1 if kind == "B" else 0)
    taps = torch.arange(kh * kw, device=w.device).reshape(kh, kw)
    return w * (taps < cy * kw + cx).to(w.dtype)


def norm_except(v, dim):
    """‖v‖ over every dim but dim, shaped to broadcast against v (torch.nn.utils.weight_norm's norm)."""
    n = v.transpose(0, dim).flatten(1).norm(dim=1)
    shape = [1] * v.dim()
    shape[dim] = -1
    return n.reshape(shape)


def gru_pointwise(gi, gh, h):
    """PyTorch GRUCell from its affine halves gi = W_ih x + b_ih and gh = W_hh h + b_hh (gates r, z, n)."""
    ir, iz, i_n = gi.chunk(3, -1)
    hr, hz, hn = gh.chunk(3, -1)
    r = torch.sigmoid(ir + hr)
    z = torch.sigmoid(iz + hz)
    n = torch.tanh(i_n + r * hn)
    return (1 - z) * n + z * h


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    return gru_pointwise(F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh), h)


def sdn_sweep(x, w_ih, w_hh, b_ih, b_hh, direction):
    """One directional SDN correction sweep over x [B, F, H, W] (0: columns left→right, 1: right→left,
    2: rows top→bottom, 3: bottom→top). The first line is unchanged; each later line is a GRU step per
    position with hidden = its own features and input = the corrected neighbours (i−1, i, i+1) of the
    previous line (zero outside the image)."""
    lines = x.permute(0, 3, 2, 1) if direction < 2 else x.permute(0, 2, 3, 1)  # [B, lines, positions, F]
    if direction in (1, 3):
        lines = lines.flip(1)
    # unbind, not lines[:, s]: indexing's backward would write a whole-map gradient per line.
    hs, ghs = lines.unbind(1), F.linear(lines, w_hh, b_hh).unbind(1)
    out = [hs[0]]
    for s in range(1, len(hs)):
        prev = F.pad(out[-1], (0, 0, 1, 1))
        u = torch.cat([prev[:, :-2], prev[:, 1:-1], prev[:, 2:]], dim=-1)
        out.append(gru_pointwise(F.linear(u, w_ih, b_ih), ghs[s], hs[s]))
    y = torch.stack(out, 1)
    if direction in (1, 3):
        y = y.flip(1)
    return y.permute(0, 3, 2, 1) if direction < 2 else y.permute(0, 3, 1, 2)


def free_bits(kl, lam):
    """Free bits over the batch: each image's KL plus (max(mean KL, λ) − mean KL) / batch."""
    mean = kl.mean()
    return kl + (torch.clamp(mean, min=lam) - mean) / kl.shape[0]


def _dml_split(p, mixtures):
    """DML parameters [B, M + 3MC, H, W] → logits [B, M, H, W] and means, log-scales, coefficients [B, C, M, H, W]."""
    b, k, h, w = p.shape
    c = (k // mixtures - 1) // 3
    rest = p[:, mixtures:].reshape(b, c, 3, mixtures, h, w)
    return p[:, :mixtures], rest[:, :, 0], rest[:, :, 1], torch.tanh(rest[:, :, 2])


def at_least_f32(t):
    """Likelihoods in float32 or better, also under autocast (bfloat16 logits lose the bins' masses)."""
    return t.to(torch.promote_types(t.dtype, torch.float32))


def dml_logp(p, x, mixtures, bits):
    """Discretized mixture of logistics (PixelCNN++), data in [−1, 1]: log-likelihood per image."""
    p, x = at_least_f32(p), at_least_f32(x)
    logits, means, log_scales, coeffs = _dml_split(p, mixtures)
    c = x.shape[1]
    xs = x.unsqueeze(2)  # [B, C, 1, H, W]
    if c > 1:
        means = torch.cat([means[:, :1], means[:, 1:2] + coeffs[:, :1] * xs[:, :1]] +
                          ([means[:, 2:3] + coeffs[:, 1:2] * xs[:, :1] + coeffs[:, 2:3] * xs[:, 1:2]] if c > 2 else []), 1)
    bin = 1.0 / (2 ** bits - 1)
    ls = torch.clamp(log_scales, min=${lit(DML_MIN_LOG_SCALE)})
    inv = torch.exp(-ls)
    centered = xs - means
    plus, minus = inv * (centered + bin), inv * (centered - bin)
    cdf_delta = torch.sigmoid(plus) - torch.sigmoid(minus)
    mid = inv * centered
    log_mid = torch.where(cdf_delta > ${lit(DML_MIN_DELTA)}, torch.log(torch.clamp(cdf_delta, min=${lit(LOG_FLOOR)})),
                          mid - ls - 2 * F.softplus(mid) - math.log(0.5 / bin))
    log_bin = torch.where(xs < -${DML_EDGE}, plus - F.softplus(plus), torch.where(xs > ${DML_EDGE}, -F.softplus(minus), log_mid))
    per_pixel = torch.logsumexp(log_bin.sum(1) + torch.log_softmax(logits, 1), 1)
    return per_pixel.flatten(1).sum(1)


def dml_mode(p, mixtures):
    """The authors' DML.get_mean: per pixel the most probable component's means, RGB-coupled, clamped to [−1, 1]."""
    logits, means, _, coeffs = _dml_split(p, mixtures)
    pick = logits.argmax(1, keepdim=True).unsqueeze(1).expand(-1, means.shape[1], -1, -1, -1)
    m, k = means.gather(2, pick).squeeze(2), coeffs.gather(2, pick).squeeze(2)
    xs = [torch.clamp(m[:, 0], ${DML_MODE_LO}, ${DML_MODE_HI})]
    if m.shape[1] > 1:
        xs.append(torch.clamp(m[:, 1] + k[:, 0] * xs[0], ${DML_MODE_LO}, ${DML_MODE_HI}))
    if m.shape[1] > 2:
        xs.append(torch.clamp(m[:, 2] + k[:, 1] * xs[0] + k[:, 2] * xs[1], ${DML_MODE_LO}, ${DML_MODE_HI}))
    return torch.stack(xs, 1)


DL_LO, DL_HI = ${DL_MEAN_LO}, ${DL_MEAN_HI}


def dl_logp(mean, logscale, x, bits):
    """The authors' discretized logistic (data in [−0.5, 0.5], one learned log-scale): log-likelihood per image."""
    mean, logscale, x = at_least_f32(mean), at_least_f32(logscale), at_least_f32(x)
    scale = torch.exp(logscale.reshape(()))
    u = (x - torch.clamp(mean, DL_LO, DL_HI)) / scale
    d = torch.sigmoid(u + (1.0 / 2 ** bits) / scale) - torch.sigmoid(u) + ${lit(DL_EPS)}
    return torch.log(d).flatten(1).sum(1)


def bernoulli_logp(logits, x):
    logits, x = at_least_f32(logits), at_least_f32(x)
    return (x * logits - F.softplus(logits)).flatten(1).sum(1)


def batched(t, n):
    """A per-example tensor (a parameter, a constant) repeated over a batch of n."""
    return t.unsqueeze(0).expand(n, *t.shape)


def _submodule(root, dotted):
    """The module at a dotted path, creating empty ones on the way (they carry the PyTorch names)."""
    m = root
    for part in dotted.split(".") if dotted else []:
        if part not in m._modules:
            m.add_module(part, nn.Module())
        m = m._modules[part]
    return m
`;

/** The definitions of OPS_PY that `code` uses, directly or through one another, in OPS_PY's order. */
export function opsUsedBy(code: string): string {
  const defs = OPS_PY.split(/\n\n\n(?=\S)/).map((text) => ({ text, name: /^(?:def (\w+)|(\w+),)/.exec(text)!.slice(1).find(Boolean)! }));
  const uses = (text: string, name: string) => new RegExp(`\\b${name}\\b`).test(text);
  const wanted = new Set<string>();
  let scan = code;
  for (let grew = true; grew;) {
    grew = false;
    for (const d of defs) {
      if (wanted.has(d.name) || !uses(scan, d.name)) continue;
      wanted.add(d.name);
      scan += d.text;
      grew = true;
    }
  }
  return `\n# ---- ops ----\n\n\n${defs.filter((d) => wanted.has(d.name)).map((d) => d.text).join('\n\n\n')}`;
}

// sdn's noise, bit for bit (runtime/rng/philox.ts): Philox4x32-10 and the fixed-point Box-Muller
// normals, vectorized over int64 tensors holding u32 values. Lets a PyTorch run draw the very noise
// `sdn elbo` / `sdn sample` draw under a seed, so their numbers can be compared exactly.
export const PHILOX_PY = String.raw`
# ---- sdn's noise: element i of stream S under seed s is normals(s, stream_id(S))[i] ----

_M32 = 0xFFFFFFFF


def stream_id(name):
    """FNV-1a of the stream's name: the Philox stream sdn gives a noise op or a parameter."""
    h = 0x811C9DC5
    for ch in name:
        h = ((h ^ ord(ch)) * 0x01000193) & _M32
    return h


def _mulhi(a, b):
    return ((a >> 16) * b + (((a & 0xFFFF) * b) >> 16)) >> 16


def _mullo(a, b):
    return (((((a >> 16) * b) & 0xFFFF) << 16) + (a & 0xFFFF) * b) & _M32


def _clz32(x):
    n = torch.zeros_like(x)
    for bits in (16, 8, 4, 2, 1):
        small = x < (1 << (32 - bits))
        n = n + small * bits
        x = torch.where(small, (x << bits) & _M32, x)
    return torch.where(x == 0, torch.full_like(n, 32), n)


def _philox(c0, c1, c2, c3, k0, k1):
    for r in range(10):
        if r > 0:
            k0, k1 = (k0 + 0x9E3779B9) & _M32, (k1 + 0xBB67AE85) & _M32
        hi0, lo0 = _mulhi(c0, 0xD2511F53), _mullo(c0, 0xD2511F53)
        hi1, lo1 = _mulhi(c2, 0xCD9E8D57), _mullo(c2, 0xCD9E8D57)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


def _radius(w0):
    """sqrt(-2 ln u) as a Q2.30 mantissa m and exponent e, u = (w0 | 1) / 2^32."""
    q = w0 | 1
    nlz = _clz32(q)
    x = (q << nlz) & _M32
    log2m = torch.zeros_like(x)
    for i in range(30, -1, -1):
        hi, lo = _mulhi(x, x), _mullo(x, x)
        up = hi >= 0x80000000
        log2m = torch.where(up, log2m | (1 << i), log2m)
        x = torch.where(up, hi, ((hi << 1) | (lo >> 31)) & _M32)
    p = nlz + 1
    bl = 32 - _clz32(p)
    l = ((p << (32 - bl)) - (log2m >> (bl - 1))) & _M32
    r2 = _mulhi(l, 1488522236)  # 2·ln 2 in Q2.30
    big_f = 30 - bl
    z = _clz32(r2)
    k = z - ((z + big_f + 1) & 1)
    nm = (r2 << k.clamp(0, 31)) & _M32
    y = (3037000500 - _mulhi((nm - 0x40000000).clamp(min=0), 2024667000)) & _M32
    for _ in range(4):
        my2 = _mulhi(nm, _mulhi(y, y))
        y = (_mulhi(y, (3 * 0x20000000 - my2) & _M32) << 2) & _M32
    return torch.where(r2 == 0, 0, _mulhi(nm, y)), torch.where(r2 == 0, 0, (31 - big_f - k) // 2)


def _cos_turn(w):
    """|cos| in Q1.31 and its sign, for the angle 2π · w / 2^32."""
    quadrant = w >> 30
    t = (w << 2) & _M32
    use_sin = (quadrant == 1) | (quadrant == 3)
    flip = t > 0x80000000
    t = torch.where(flip, (0 - t) & _M32, t)
    use_sin = use_sin ^ flip
    x = (_mulhi(t, 3373259426) << 1) & _M32  # π/2 in Q1.31
    y = _mulhi(x, x)
    series = []
    for divisors in ((110, 72, 42, 20, 6), (132, 90, 56, 30, 12, 2)):
        h = torch.full_like(x, 0x80000000)
        for d in divisors:
            h = (0x80000000 - _mulhi(y // d, h)) & _M32
        series.append(h)
    return torch.where(use_sin, _mulhi(x, series[0]), series[1]), (quadrant == 1) | (quadrant == 2)


def _f32(p, e, neg):
    """float32 ±p · 2^e for u32 p < 2^31, rounded half up to 24 significant bits."""
    length = 32 - _clz32(p)
    sh = (length - 24).clamp(min=1)
    m_big = (p >> sh) + ((p >> (sh - 1)) & 1)
    carry = m_big == 0x1000000
    m = torch.where(length > 24, torch.where(carry, 0x800000, m_big), (p << (24 - length).clamp(min=0)) & _M32)
    e = torch.where(length > 24, e + sh + carry.long(), e - (24 - length))
    bits = (neg.long() << 31) | ((e + 150) << 23) | (m & 0x7FFFFF)
    bits = torch.where(p == 0, 0, bits)
    return (bits - ((bits >> 31) << 32)).to(torch.int32).view(torch.float32)


def philox_normals(seed, stream, n):
    """n standard normals of Philox stream number stream under seed (float32), as sdn draws them."""
    b = torch.arange((n + 3) // 4, dtype=torch.int64)
    z = torch.zeros_like(b)
    w = _philox(b & _M32, z + stream, b >> 32, z, z + seed, z)
    out = []
    for w0, w1 in ((w[0], w[1]), (w[2], w[3])):
        r_m, r_e = _radius(w0)
        for odd in (False, True):
            c, neg = _cos_turn((w1 - 0x40000000) & _M32 if odd else w1)
            out.append(_f32(_mulhi(r_m, c), r_e - 29, neg))
    return torch.stack(out, 1).flatten()[:n]


def sdn_noise(table, seed, batch):
    """The noise tensors of a table (NOISE or SAMPLE_NOISE) that sdn draws for a batch under a seed."""
    return [philox_normals(seed, stream_id(s), batch * math.prod(shape)).reshape((batch,) + tuple(shape)) for s, shape in table]


def _mix32(x):
    x ^= x >> 16
    x = (x * 0x21F0AAAD) & _M32
    x ^= x >> 15
    x = (x * 0x735A2D97) & _M32
    return x ^ (x >> 15)


_SALTS = {"train": 0x7A1, "eval": 0xE7A1, "sample": 0x5A3B}


def noise_seed(seed, purpose, counter):
    """sdn's Philox seed for one purpose and counter (runtime/train/schedule.ts, noiseSeed)."""
    return _mix32((_mix32((seed ^ _SALTS[purpose]) & _M32) + counter * 0x9E3779B9) & _M32)
`;
