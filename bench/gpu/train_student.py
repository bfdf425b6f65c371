"""Step 2 of bridge distillation (the LR student) on a GPU, for machines with PyTorch and no Node.

    python3 bench/gpu/train_student.py --data artifacts/gpu-train --arch 32x32 --out out/s32 --seconds 240 \
        [--init models/student] [--lr 2e-3] [--batch 128] [--lr-peak 16]

The recipe is `trainStudent`'s (src/distill/train-student.ts) on the data `npm run bench:gpu:export-training`
packed: mimic (1 - cos to the adapted HR target) + 0.1 x CosFace (s 30, m 0.35) with prototypes imprinted
from the targets' class means and then learned; Adam with a linear warm-up and cosine decay to 1%; LR
faces synthesised every step as lr-synthesis.ts does (area reduction of a jittered window, flip, grey,
contrast/brightness, motion blur, Gaussian blur, noise, rounding, JPEG, bilinear up to the input), here
in batches on the GPU (JPEG through Pillow on CPU threads). What differs is the budget: a wall-clock
`--seconds` fixes the number of steps after the first ones are timed.

The student is built from the exported architecture's model.json and written back in the same layout
(model.json + weights.bin in the manifest's order), so `bridgeface eval --model <out>` reads it as it
reads the shipped student. The held-out LR-LR accuracy printed here uses the exported held-out faces and
pairs (the model card's validation); the reported numbers come from `bridgeface eval` afterwards.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from embed_torch import read_weights, tf_same_pad  # noqa: E402

# --------------------------------------------------------------------------------------------- student


class TrainableStudent(torch.nn.Module):
    """A tfjs layers student (a chain: Rescaling, Conv2D, DepthwiseConv2D, BatchNormalization, PReLU,
    Flatten, Dense) as trainable PyTorch modules in NCHW, keeping each Keras weight's name."""

    def __init__(self, arch_dir: Path, init_dir: Path):
        super().__init__()
        self.spec = json.loads((arch_dir / "model.json").read_text())
        layers = self.spec["modelTopology"]["config"]["layers"]
        self.input_size = layers[0]["config"]["batch_input_shape"][1]
        self.steps: list[tuple] = []
        self.mods = torch.nn.ModuleDict()
        size = self.input_size
        for layer in layers:
            cls, c, name = layer["class_name"], layer["config"], layer["name"]
            if cls == "InputLayer":
                continue
            if cls == "Rescaling":
                self.steps.append(("affine", c["scale"], c["offset"]))
            elif cls in ("Conv2D", "DepthwiseConv2D"):
                k, s = c["kernel_size"][0], c["strides"][0]
                pad = (0, 0)
                if c["padding"] == "same":
                    pad = tf_same_pad(size, k, s)
                    size = math.ceil(size / s)
                else:
                    size = (size - k) // s + 1
                # the module itself is made by load_keras, from the weights' shapes
                self.steps.append(("conv", name, (pad[0], pad[1], pad[0], pad[1]), cls, k, s, c.get("use_bias", False)))
            elif cls == "BatchNormalization":
                self.steps.append(("bn", name))
                # Keras momentum 0.9 on the old value = PyTorch momentum 0.1 on the new one; a 1-channel
                # placeholder keeps eps and momentum until load_keras knows the width.
                self.mods[name] = torch.nn.BatchNorm2d(1, eps=c["epsilon"], momentum=1 - c["momentum"])
            elif cls == "PReLU":
                self.steps.append(("prelu", name))
            elif cls == "Flatten":
                self.steps.append(("flatten",))
            elif cls == "Dense":
                self.steps.append(("dense", name))
            else:
                raise ValueError(f"{name}: layer {cls} is not supported")
        self.load_keras(init_dir)

    def load_keras(self, folder: Path) -> None:
        spec = json.loads((folder / "model.json").read_text())
        w = read_weights(folder, spec["weightsManifest"])
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
        self.prelus = torch.nn.ParameterDict()
        for step in self.steps:
            kind = step[0]
            if kind == "conv":
                _, name, _, cls, k, s, use_bias = step
                if cls == "Conv2D":
                    kern = w[f"{name}/kernel"].transpose(3, 2, 0, 1)
                    conv = torch.nn.Conv2d(kern.shape[1], kern.shape[0], k, s, bias=use_bias)
                else:
                    dk = w[f"{name}/depthwise_kernel"]
                    kern = dk.transpose(2, 3, 0, 1).reshape(dk.shape[2] * dk.shape[3], 1, k, k)
                    conv = torch.nn.Conv2d(dk.shape[2], kern.shape[0], k, s, groups=dk.shape[2], bias=use_bias)
                conv.weight.data.copy_(t(kern))
                if use_bias:
                    conv.bias.data.copy_(t(w[f"{name}/bias"]))
                self.mods[name] = conv
            elif kind == "bn":
                name = step[1]
                ch = w[f"{name}/gamma"].shape[0]
                bn = torch.nn.BatchNorm2d(ch, eps=self.mods[name].eps, momentum=self.mods[name].momentum)
                bn.weight.data.copy_(t(w[f"{name}/gamma"]))
                bn.bias.data.copy_(t(w[f"{name}/beta"]))
                bn.running_mean.copy_(t(w[f"{name}/moving_mean"]))
                bn.running_var.copy_(t(w[f"{name}/moving_variance"]))
                self.mods[name] = bn
            elif kind == "prelu":
                self.prelus[step[1]] = torch.nn.Parameter(t(w[f"{step[1]}/alpha"].reshape(-1)))
            elif kind == "dense":
                name = step[1]
                kern = w[f"{name}/kernel"]
                lin = torch.nn.Linear(kern.shape[0], kern.shape[1])
                lin.weight.data.copy_(t(kern.T))
                lin.bias.data.copy_(t(w[f"{name}/bias"]))
                self.mods[name] = lin

    def keras_weights(self) -> dict[str, np.ndarray]:
        """Every weight under its Keras name and layout."""
        out: dict[str, np.ndarray] = {}
        n = lambda x: x.detach().float().cpu().numpy()  # noqa: E731
        for step in self.steps:
            kind = step[0]
            if kind == "conv":
                _, name, _, cls, k, _, use_bias = step
                wt = n(self.mods[name].weight)
                if cls == "Conv2D":
                    out[f"{name}/kernel"] = wt.transpose(2, 3, 1, 0)
                else:  # [in*mult,1,k,k] -> [k,k,in,mult] (mult 1)
                    out[f"{name}/depthwise_kernel"] = wt.transpose(2, 3, 0, 1)
                if use_bias:
                    out[f"{name}/bias"] = n(self.mods[name].bias)
            elif kind == "bn":
                bn = self.mods[step[1]]
                out[f"{step[1]}/gamma"] = n(bn.weight)
                out[f"{step[1]}/beta"] = n(bn.bias)
                out[f"{step[1]}/moving_mean"] = n(bn.running_mean)
                out[f"{step[1]}/moving_variance"] = n(bn.running_var)
            elif kind == "prelu":
                out[f"{step[1]}/alpha"] = n(self.prelus[step[1]]).reshape(1, 1, -1)
            elif kind == "dense":
                out[f"{step[1]}/kernel"] = n(self.mods[step[1]].weight).T
                out[f"{step[1]}/bias"] = n(self.mods[step[1]].bias)
        return out

    def save(self, out_dir: Path) -> None:
        """model.json as exported (topology and manifest) + weights.bin in the manifest's order."""
        out_dir.mkdir(parents=True, exist_ok=True)
        weights = self.keras_weights()
        blobs = []
        for group in self.spec["weightsManifest"]:
            if group["paths"] != ["weights.bin"]:
                raise ValueError(f"unexpected weight files {group['paths']}")
            for entry in group["weights"]:
                a = weights[entry["name"]].astype(np.float32)
                if list(a.shape) != entry["shape"]:
                    raise ValueError(f"{entry['name']}: shape {a.shape} != {entry['shape']}")
                blobs.append(a.tobytes())
        (out_dir / "weights.bin").write_bytes(b"".join(blobs))
        (out_dir / "model.json").write_text(json.dumps(self.spec))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [N,3,S,S] float 0..255. Returns the raw (unnormalised) embedding, as the Keras model."""
        for step in self.steps:
            kind = step[0]
            if kind == "affine":
                x = x * step[1] + step[2]
            elif kind == "conv":
                if any(step[2]):
                    x = F.pad(x, step[2])
                x = self.mods[step[1]](x)
            elif kind == "bn":
                x = self.mods[step[1]](x)
            elif kind == "prelu":
                x = F.prelu(x, self.prelus[step[1]])
            elif kind == "flatten":
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
            elif kind == "dense":
                x = self.mods[step[1]](x)
        return x


# ------------------------------------------------------------------------------------------ LR synthesis

AUG = dict(max_shift=0.04, max_scale=0.08, flip=0.5, blur=0.5, blur_max=1.0, noise=0.5, noise_max=8.0,
           jpeg=0.5, jpeg_q=(30, 90), grey=0.3, photometric=0.4, contrast=(0.5, 1.3), brightness=30.0,
           motion=0.2, motion_max=2.5)
PAD = 8  # replicate padding: lr-synthesis clamps windows that leave the chip


def draw_sizes(n: int, lo: int, hi: int, peak: float | None, g: torch.Generator) -> torch.Tensor:
    """lr-batch.ts drawLowResSize: uniform, or triangular on [lo-0.5, hi+0.5] with mode `peak`, rounded."""
    u = torch.rand(n, generator=g)
    if peak is None:
        return torch.clamp(lo + torch.floor(u * (hi - lo + 1)), max=hi).long()
    a, b = lo - 0.5, hi + 0.5
    f = (peak - a) / (b - a)
    x = torch.where(u < f, a + torch.sqrt(u * (b - a) * (peak - a)), b - torch.sqrt((1 - u) * (b - a) * (b - peak)))
    return torch.clamp(torch.round(x), lo, hi).long()


def motion_kernels(length: torch.Tensor, angle: torch.Tensor, size: int = 5) -> torch.Tensor:
    """lr-synthesis motionBlur as [n, size, size] kernels: taps along a segment, bilinear splats."""
    n, c = length.shape[0], size // 2
    taps = torch.clamp(torch.ceil(length * 2) + 1, min=2)  # [n]
    max_taps = int(math.ceil(AUG["motion_max"] * 2) + 1)
    t = torch.arange(max_taps, device=length.device, dtype=length.dtype)[None, :]  # [1,T]
    on = (t < taps[:, None]).to(length.dtype) / taps[:, None]
    u = (t / torch.clamp(taps[:, None] - 1, min=1) - 0.5) * length[:, None]
    x, y = u * torch.cos(angle)[:, None] + c, u * torch.sin(angle)[:, None] + c
    x0, y0 = torch.floor(x), torch.floor(y)
    fx, fy = x - x0, y - y0
    kern = torch.zeros(n, size * size, device=length.device, dtype=length.dtype)
    for dx, dy, wgt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        idx = ((y0 + dy).clamp(0, size - 1) * size + (x0 + dx).clamp(0, size - 1)).long()
        kern.scatter_add_(1, idx, wgt * on)
    return kern.view(n, size, size)


def gaussian_kernels(sigma: torch.Tensor, radius: int = 3) -> torch.Tensor:
    """[n, 2*radius+1] normalised 1-D Gaussians (radius ceil(3 sigma) <= 3 for sigma <= 1)."""
    i = torch.arange(-radius, radius + 1, device=sigma.device, dtype=sigma.dtype)[None, :]
    k = torch.exp(-(i ** 2) / (2 * sigma[:, None] ** 2))
    # lr-synthesis truncates at ceil(3 sigma): zero the taps beyond it
    k = k * (i.abs() <= torch.clamp(torch.ceil(3 * sigma), min=1)[:, None]).float()
    return k / k.sum(1, keepdim=True)


def per_sample_conv(x: torch.Tensor, kern: torch.Tensor) -> torch.Tensor:
    """x [n,3,h,w], kern [n,kh,kw]: each image filtered by its own kernel, edges clamped."""
    n, ch, h, w = x.shape
    kh, kw = kern.shape[1:]
    xp = F.pad(x.reshape(1, n * ch, h, w), (kw // 2, kw // 2, kh // 2, kh // 2), mode="replicate")
    weight = kern[:, None].repeat_interleave(ch, 0)
    return F.conv2d(xp, weight, groups=n * ch).view(n, ch, h, w)


def bilinear_matrix(r: torch.Tensor, out: int, canvas: int) -> torch.Tensor:
    """[n, out, canvas]: resizeBilinear (half-pixel centres, edges clamped) of each sample's first r pixels."""
    k = torch.arange(out, device=r.device, dtype=torch.float32)[None, :]
    rf = r.float()[:, None]
    x = torch.minimum(torch.clamp((k + 0.5) * rf / out - 0.5, min=0), rf - 1)
    x0 = torch.floor(x)
    x1 = torch.minimum(x0 + 1, rf - 1)
    m = torch.zeros(r.shape[0], out, canvas, device=r.device)
    m.scatter_add_(2, x0.long()[..., None], (1 - (x - x0))[..., None])
    m.scatter_add_(2, x1.long()[..., None], (x - x0)[..., None])
    return m


def jpeg_round_trip(img: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality, subsampling=2)  # 4:2:0, as lr-synthesis
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


class LowResSynth:
    """Batches of student inputs from HR chips on the device, as lr-synthesis.ts + lr-batch.ts make them.

    Every face has its own LR size r, yet the batch is processed in one pass: each r x r face sits in the
    top-left of a canvas of the largest size, edge-extended (the area matrices' extra rows repeat the last
    bin), so per-face blurs with clamped edges see exactly what lr-synthesis sees, and the final bilinear
    matrices read only the face's own r x r pixels. A few dozen kernel launches per batch instead of a
    loop over sizes, which is what bounded the first GPU run (session 11: ~4 steps/s)."""

    def __init__(self, chips: torch.Tensor, input_size: int, sizes: tuple[int, int, float | None], seed: int,
                 threads: int):
        self.src = F.pad(chips.float(), (PAD, PAD, PAD, PAD), mode="replicate")  # [N,3,H+2P,W+2P]
        self.side = chips.shape[-1]
        self.input_size = input_size
        self.sizes = sizes
        self.canvas = sizes[1]
        self.g = torch.Generator().manual_seed(seed)
        self.pool = ThreadPoolExecutor(threads)

    def _extend(self, v: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        """Re-extends each face's r x r pixels over the canvas (edge replicate)."""
        n, c = v.shape[0], self.canvas
        lim = torch.minimum(torch.arange(c, device=v.device)[None, :], (r - 1)[:, None])  # [n, C]
        v = torch.gather(v, 2, lim[:, None, :, None].expand(n, 3, c, c))
        return torch.gather(v, 3, lim[:, None, None, :].expand(n, 3, c, c))

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        n, dev, g, o, c = idx.shape[0], self.src.device, self.g, AUG, self.canvas
        U = lambda lo, hi: (lo + (hi - lo) * torch.rand(n, generator=g)).to(dev)  # noqa: E731
        B = lambda p: (torch.rand(n, generator=g) < p).to(dev)  # noqa: E731
        r = draw_sizes(n, *self.sizes, g).to(dev)
        shift_x, shift_y = U(-o["max_shift"], o["max_shift"]), U(-o["max_shift"], o["max_shift"])
        scale = U(1 - o["max_scale"], 1 + o["max_scale"])
        flip, blur, sigma = B(o["flip"]), B(o["blur"]), U(0.2, o["blur_max"])
        noise, noise_std = B(o["noise"]), U(0, o["noise_max"])
        jpeg = B(o["jpeg"])
        quality = torch.randint(o["jpeg_q"][0], o["jpeg_q"][1] + 1, (n,), generator=g)
        grey, photo = B(o["grey"]), B(o["photometric"])
        contrast, brightness = U(*o["contrast"]), U(-o["brightness"], o["brightness"])
        motion, motion_len, motion_angle = B(o["motion"]), U(1, o["motion_max"]), U(0, math.pi)
        each = lambda m: m[:, None, None, None]  # noqa: E731

        # Area reduction of the jittered window to r x r (rows/columns past r repeat the last bin).
        side = self.side * scale
        x0 = (self.side - side) / 2 + shift_x * self.side
        y0 = (self.side - side) / 2 + shift_y * self.side
        bins = torch.minimum(torch.arange(c, device=dev)[None, :], (r - 1)[:, None])  # [n, C]
        col_bins = torch.where(flip[:, None], r[:, None] - 1 - bins, bins)
        ay, ax = self._area(y0, side, r, bins), self._area(x0, side, r, col_bins)
        v = torch.einsum("nih,nchw,njw->ncij", ay, self.src[idx.to(dev)], ax)

        luma = (0.299 * v[:, 0] + 0.587 * v[:, 1] + 0.114 * v[:, 2])[:, None].expand_as(v)
        v = torch.where(each(grey), luma, v)
        inside = (bins == torch.arange(c, device=dev)[None, :]).float()  # [n, C]: pixel < r
        mask = inside[:, None, :, None] * inside[:, None, None, :]
        mean = (v * mask).sum((1, 2, 3), keepdim=True) / (3 * each(r.float() ** 2))
        gain = torch.where(photo, contrast, torch.ones_like(contrast))
        offset = torch.where(photo, brightness, torch.zeros_like(brightness))
        v = mean + (v - mean) * each(gain) + each(offset)
        v = torch.where(each(motion), self._extend(per_sample_conv(v, motion_kernels(motion_len, motion_angle)), r), v)
        gk = gaussian_kernels(sigma)
        blurred = self._extend(per_sample_conv(self._extend(per_sample_conv(v, gk[:, None, :]), r), gk[:, :, None]), r)
        v = torch.where(each(blur), blurred, v)
        v = v + torch.randn(v.shape, device=dev) * each(torch.where(noise, noise_std, torch.zeros_like(noise_std)))
        v = torch.clamp(torch.round(v), 0, 255)

        picked = jpeg.nonzero().flatten()
        if len(picked):
            rs, qs = r[picked].tolist(), quality[picked.cpu()].tolist()
            faces = v[picked].permute(0, 2, 3, 1).to(torch.uint8).cpu().numpy()
            done = list(self.pool.map(jpeg_round_trip, [f[:k, :k] for f, k in zip(faces, rs)], qs))
            back = np.zeros_like(faces)
            for i, (img, k) in enumerate(zip(done, rs)):
                back[i, :k, :k] = img
            v[picked] = torch.from_numpy(back).to(dev).permute(0, 3, 1, 2).float()

        # Bilinear up to the input (a face already at the input size maps to itself), 8-bit as resizeTo.
        up = bilinear_matrix(r, self.input_size, c)
        return torch.clamp(torch.round(torch.einsum("nik,nckl,njl->ncij", up, v, up)), 0, 255)

    def _area(self, start: torch.Tensor, length: torch.Tensor, r: torch.Tensor, bins: torch.Tensor) -> torch.Tensor:
        """[n, C, src+2*PAD] box-filter weights: row i averages bin bins[i] of r over the window."""
        step = (length / r.float())[:, None, None]
        a = start[:, None, None] + bins[:, :, None].float() * step
        b = a + step
        k = torch.arange(-PAD, self.side + PAD, device=start.device, dtype=start.dtype)[None, None, :]
        return torch.clamp(torch.minimum(b, k + 1) - torch.maximum(a, k), min=0) / step


# ------------------------------------------------------------------------------------------- validation


def cv_accuracy(scores: np.ndarray, same: np.ndarray, folds: int = 10) -> float:
    """10-fold accuracy: threshold picked on 9 folds (best accuracy), applied to the 10th."""
    fold = np.empty(len(scores), int)
    fold[np.nonzero(same)[0]] = np.arange(same.sum()) % folds
    fold[np.nonzero(~same)[0]] = np.arange((~same).sum()) % folds
    correct = 0
    for f in range(folds):
        tr, te = fold != f, fold == f
        cand = np.unique(scores[tr])
        acc = [((scores[tr] >= t) == same[tr]).mean() for t in cand[:: max(1, len(cand) // 400)]]
        t = cand[:: max(1, len(cand) // 400)][int(np.argmax(acc))]
        correct += ((scores[te] >= t) == same[te]).sum()
    return float(correct / len(scores))


def held_out(net: TrainableStudent, inputs: dict[int, torch.Tensor], pairs: np.ndarray) -> dict[str, float]:
    net.eval()
    res = {}
    with torch.no_grad():
        for r, x in inputs.items():
            e = F.normalize(torch.cat([net(x[i:i + 512]) for i in range(0, len(x), 512)]), dim=1).cpu().numpy()
            s = (e[pairs[:, 0]] * e[pairs[:, 1]]).sum(1)
            res[f"lr{r}"] = cv_accuracy(s, pairs[:, 2] == 1)
    net.train()
    return res


# ------------------------------------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="artifacts/gpu-train")
    ap.add_argument("--arch", default="32x32", help="<width>x<input>, one of the exported arch-* folders")
    ap.add_argument("--init", help="start from this trained student folder (same architecture)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=240, help="wall-clock training budget")
    ap.add_argument("--epochs", type=float, help="train this many epochs instead of a time budget")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3, help="Adam peak learning rate")
    ap.add_argument("--identity-weight", type=float, default=0.1)
    ap.add_argument("--lr-min", type=int, default=8)
    ap.add_argument("--lr-max", type=int, default=32)
    ap.add_argument("--lr-peak", type=float, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=4, help="CPU threads (JPEG round trips, host-side ops)")
    ap.add_argument("--validate-every", type=float, default=60, help="seconds between held-out checks")
    args = ap.parse_args()

    t_start = time.perf_counter()
    torch.set_num_threads(args.threads)  # several trainers share one machine's cores
    data = Path(args.data)
    meta = json.loads((data / "chips.json").read_text())
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(args.seed)
    blob = (data / "chips.bin").read_bytes()
    with ThreadPoolExecutor(args.threads) as pool:
        chips = list(pool.map(lambda f: np.asarray(Image.open(io.BytesIO(blob[f["offset"]:f["offset"] + f["length"]]))
                                                   .convert("RGB")), meta["faces"]))
    chips_t = torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).contiguous()
    targets = torch.from_numpy(np.fromfile(data / "targets.bin", np.float32).reshape(len(chips), meta["dim"]))
    is_train = np.array([f["split"] == "train" for f in meta["faces"]])
    train_idx = torch.from_numpy(np.nonzero(is_train)[0])
    label_of: dict[int, int] = {}
    labels = torch.tensor([label_of.setdefault(f["identity"], len(label_of)) for f in meta["faces"] if f["split"] == "train"])
    n_train, n_classes = len(train_idx), len(label_of)

    arch_dir = data / f"arch-{args.arch}"
    net = TrainableStudent(arch_dir, Path(args.init) if args.init else arch_dir).to(dev)
    size = net.input_size
    val_inputs = {}
    for r in (12, 16):
        raw = np.fromfile(data / meta["validation_files"][f"{r}/{size}"], np.uint8)
        val_inputs[r] = torch.from_numpy(raw.reshape(-1, size, size, 3)).permute(0, 3, 1, 2).float().to(dev)
    pairs = np.asarray(meta["validation_pairs"], np.int64)

    train_targets = F.normalize(targets[train_idx], dim=1).to(dev)
    train_labels = labels.to(dev)
    # Prototypes imprinted from the targets' class means (losses.ts imprintWeights), then learned.
    protos = torch.zeros(n_classes, meta["dim"], device=dev).index_add_(0, train_labels, train_targets)
    protos = torch.nn.Parameter(F.normalize(protos, dim=1))
    opt = torch.optim.Adam(list(net.parameters()) + [protos], lr=args.lr, eps=1e-7)
    synth = LowResSynth(chips_t[train_idx].to(dev), size, (args.lr_min, args.lr_max, args.lr_peak), args.seed,
                        args.threads)
    params = sum(p.numel() for n_, p in net.named_parameters())
    steps_per_epoch = n_train // args.batch
    warmup = min(steps_per_epoch, 200)
    log = {"args": vars(args), "params": params, "train_faces": n_train, "classes": n_classes,
           "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu", "records": []}
    out = Path(args.out)
    print(f"{args.arch}: {params:,} params, {n_train} faces / {n_classes} identities, "
          f"held out before: {held_out(net, val_inputs, pairs)}", flush=True)

    total_steps = int(args.epochs * steps_per_epoch) if args.epochs else None
    g = torch.Generator().manual_seed(args.seed + 1)
    step, t0, last_val = 0, time.perf_counter(), time.perf_counter()
    order = torch.randperm(n_train, generator=g)
    net.train()
    while total_steps is None or step < total_steps:
        if total_steps is None and step == 30:
            per_step = (time.perf_counter() - t0) / 30
            total_steps = max(31, int(args.seconds / per_step))
            print(f"{per_step * 1000:.1f} ms/step -> {total_steps} steps "
                  f"({total_steps / steps_per_epoch:.1f} epochs) in {args.seconds:.0f} s", flush=True)
        k = step % steps_per_epoch
        if k == 0 and step > 0:
            order = torch.randperm(n_train, generator=g)
        b = order[k * args.batch:(k + 1) * args.batch]
        planned = total_steps or 10 ** 9
        lr = args.lr * (step + 1) / warmup if step < warmup else \
            args.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, planned - warmup))))
        for group in opt.param_groups:
            group["lr"] = lr
        x = synth(b)
        e = F.normalize(net(x), dim=1)
        t = train_targets[b.to(dev)]
        mimic = 1 - (e * t).sum(1).mean()
        cos = e @ F.normalize(protos, dim=1).T
        y = train_labels[b.to(dev)]
        logits = 30 * (cos - 0.35 * F.one_hot(y, n_classes))
        identity = F.cross_entropy(logits, y)
        loss = mimic + args.identity_weight * identity
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if time.perf_counter() - last_val > args.validate_every or (total_steps and step == total_steps):
            last_val = time.perf_counter()
            rec = {"step": step, "epoch": round(step / steps_per_epoch, 2), "seconds": round(last_val - t0, 1),
                   "lr": lr, "mimic": mimic.item(), "identity": identity.item(), **held_out(net, val_inputs, pairs)}
            log["records"].append(rec)
            print(json.dumps(rec), flush=True)
            net.save(out)
            # Held-out DevTrain identities (never DevTest) pick the best state seen; both are kept.
            score = rec["lr12"] + rec["lr16"]
            if score > log.get("best_score", -1):
                log["best_score"], log["best_step"] = score, step
                net.save(out / "best")
            (out / "training.json").write_text(json.dumps(log, indent=1))
    log["total_seconds"] = round(time.perf_counter() - t_start, 1)
    net.save(out)
    (out / "training.json").write_text(json.dumps(log, indent=1))
    print(f"saved {out} ({log['total_seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
