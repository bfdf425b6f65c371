"""Embedding throughput of BridgeFace's student and teacher on a GPU, side by side, with PyTorch.

    python3 bench/gpu/embed_torch.py --fixture artifacts/gpu-bench [--json out.json] [--seconds 0.5]

Why PyTorch: the embed worker's GPU route is tfjs-node-gpu (docs/DEPLOYMENT.md), whose libtensorflow
cannot be installed without network and predates Hopper. This script measures what the *models* cost on
a GPU: it rebuilds each net from the weight files `npm run bench:gpu:export` packed (the shipped
student's model.json + weights, face-api's recognition net), and refuses to time anything until it
reproduces the embeddings our own TypeScript embedders returned for the same crops. Faces/s is counted
two ways: crops already on the GPU (the kernels alone) and crops from pinned host memory with the
embeddings copied back (what a worker sees). The teacher, timed in the same run, is the reference, as in
`npm run bench:embed`.

Runs on CPU too (slowly), so the parity check can be tried without a GPU.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------- weights


def read_weights(folder: Path, manifest: list[dict]) -> dict[str, np.ndarray]:
    """tfjs weight manifests: groups of files concatenated, each weight float32, float16- or uint8-quantised."""
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        buf = b"".join((folder / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q is None:
                arr = np.frombuffer(buf, np.float32, n, offset)
                offset += 4 * n
            elif q["dtype"] == "float16":
                arr = np.frombuffer(buf, np.float16, n, offset).astype(np.float32)
                offset += 2 * n
            elif q["dtype"] == "uint8":
                arr = np.frombuffer(buf, np.uint8, n, offset).astype(np.float32) * q["scale"] + q["min"]
                offset += n
            else:
                raise ValueError(f"{w['name']}: unsupported quantisation {q['dtype']}")
            out[w["name"]] = arr.reshape(w["shape"]).astype(np.float32)
    return out


def tf_same_pad(size: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's 'same': output ceil(size/s), the extra pixel (if odd) after, not before."""
    total = max((math.ceil(size / s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


# ------------------------------------------------------------------------------------------ layers model


class LayersNet(torch.nn.Module):
    """A tfjs layers model (a chain of the student's layer types) in NCHW, every batch norm folded into its conv."""

    def __init__(self, folder: Path):
        super().__init__()
        spec = json.loads((folder / "model.json").read_text())
        weights = read_weights(folder, spec["weightsManifest"])
        layers = spec["modelTopology"]["config"]["layers"]
        self.ops: list[tuple] = []
        self.params_list = torch.nn.ParameterList()
        pending_conv: dict | None = None
        self.input_size = layers[0]["config"]["batch_input_shape"][1]
        size = self.input_size

        def param(a: np.ndarray) -> torch.nn.Parameter:
            p = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(a)), requires_grad=False)
            self.params_list.append(p)
            return p

        for layer in layers:
            cls, c, name = layer["class_name"], layer["config"], layer["name"]
            if cls == "InputLayer":
                continue
            if len(layer["inbound_nodes"][0]) != 1:
                raise ValueError(f"{name}: only chains of layers are supported")
            if cls != "BatchNormalization" and pending_conv is not None:
                self._emit_conv(pending_conv, param)  # a conv with no batch norm after it
                pending_conv = None
            if cls == "Rescaling":
                self.ops.append(("affine", c["scale"], c["offset"]))
            elif cls in ("Conv2D", "DepthwiseConv2D"):
                k, s = c["kernel_size"], c["strides"]
                if cls == "Conv2D":
                    w = weights[f"{name}/kernel"].transpose(3, 2, 0, 1)  # [kh,kw,in,out] -> [out,in,kh,kw]
                    groups = 1
                else:
                    dk = weights[f"{name}/depthwise_kernel"]  # [kh,kw,in,mult]
                    w = dk.transpose(2, 3, 0, 1).reshape(dk.shape[2] * dk.shape[3], 1, dk.shape[0], dk.shape[1])
                    groups = dk.shape[2]
                b = weights.get(f"{name}/bias", np.zeros(w.shape[0], np.float32))
                if c["padding"] == "same":
                    ph, pw = tf_same_pad(size, k[0], s[0]), tf_same_pad(size, k[1], s[1])
                    size = math.ceil(size / s[0])
                else:
                    ph = pw = (0, 0)
                    size = (size - k[0]) // s[0] + 1
                conv = {"w": w, "b": b, "stride": s[0], "groups": groups, "pad": (pw[0], pw[1], ph[0], ph[1]),
                        "act": c.get("activation", "linear")}
                if conv["act"] == "linear":
                    pending_conv = conv  # a batch norm may follow: fold it in
                else:
                    self._emit_conv(conv, param)
            elif cls == "BatchNormalization":
                if pending_conv is None:
                    raise ValueError(f"{name}: batch norm not right after a linear conv")
                g, be = weights[f"{name}/gamma"], weights[f"{name}/beta"]
                mu, var = weights[f"{name}/moving_mean"], weights[f"{name}/moving_variance"]
                scale = g / np.sqrt(var + c["epsilon"])
                pending_conv["w"] = pending_conv["w"] * scale.reshape(-1, 1, 1, 1)
                pending_conv["b"] = (pending_conv["b"] - mu) * scale + be
                self._emit_conv(pending_conv, param)
                pending_conv = None
            elif cls == "PReLU":
                self.ops.append(("prelu", param(weights[f"{name}/alpha"].reshape(-1))))
            elif cls == "ReLU" or (cls == "Activation" and c["activation"] == "relu"):
                self.ops.append(("relu",))
            elif cls == "Flatten":
                self.ops.append(("flatten",))
            elif cls == "Dense":
                self.ops.append(("dense", param(weights[f"{name}/kernel"].T), param(weights[f"{name}/bias"]),
                                 c.get("activation", "linear")))
            else:
                raise ValueError(f"{name}: layer {cls} is not supported by this benchmark")
        if pending_conv is not None:
            self._emit_conv(pending_conv, param)

    def _emit_conv(self, conv: dict, param) -> None:
        self.ops.append(("conv", param(conv["w"]), param(conv["b"]), conv["stride"], conv["groups"], conv["pad"],
                         conv["act"]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [N,3,S,S] float in 0..255 (RGB). Returns L2-normalised [N,D]."""
        for op in self.ops:
            kind = op[0]
            if kind == "affine":
                x = x * op[1] + op[2]
            elif kind == "conv":
                _, w, b, s, g, pad, act = op
                if any(pad):
                    x = F.pad(x, pad)
                x = F.conv2d(x, w, b, s, 0, 1, g)
                if act == "relu":
                    x = F.relu(x)
            elif kind == "prelu":
                x = F.prelu(x, op[1])
            elif kind == "relu":
                x = F.relu(x)
            elif kind == "flatten":
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # Keras flattens NHWC
            elif kind == "dense":
                x = x @ op[1].T + op[2]
                if op[3] == "relu":
                    x = F.relu(x)
        return F.normalize(x.float(), dim=1)


# --------------------------------------------------------------------------------------------- face-api

FACE_API_MEAN_RGB = (122.782, 117.001, 104.298)


class FaceApiRecognitionNet(torch.nn.Module):
    """face-api's FaceRecognitionNet (dlib's ResNet-29, 150 px) as in its src/faceRecognitionNet."""

    def __init__(self, folder: Path, input_scaling: str):
        super().__init__()
        manifest = json.loads((folder / "face_recognition_model-weights_manifest.json").read_text())
        w = read_weights(folder, manifest)
        self.input_size = 150
        # face-api computes (x - mean)/255; our teacher feeds it mean + (x - mean)*255/256 ('dlib').
        self.divisor = 256.0 if input_scaling == "dlib" else 255.0
        self.register_buffer("mean", torch.tensor(FACE_API_MEAN_RGB).reshape(1, 3, 1, 1))
        self.convs = torch.nn.ParameterDict()

        def conv(prefix: str) -> None:
            # conv + bias, then scale layer (x*weights + biases): fold the scale into the conv.
            k = w[f"{prefix}/conv/filters"].transpose(3, 2, 0, 1)
            sw, sb = w[f"{prefix}/scale/weights"], w[f"{prefix}/scale/biases"]
            key = prefix.replace("/", "_")
            self.convs[key + "_w"] = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(k * sw.reshape(-1, 1, 1, 1))),
                                                        requires_grad=False)
            self.convs[key + "_b"] = torch.nn.Parameter(torch.from_numpy(w[f"{prefix}/conv/bias"] * sw + sb),
                                                        requires_grad=False)

        conv("conv32_down")
        self.blocks = ["conv32_1", "conv32_2", "conv32_3", "conv64_down", "conv64_1", "conv64_2", "conv64_3",
                       "conv128_down", "conv128_1", "conv128_2", "conv256_down", "conv256_1", "conv256_2",
                       "conv256_down_out"]
        for b in self.blocks:
            conv(f"{b}/conv1")
            conv(f"{b}/conv2")
        self.fc = torch.nn.Parameter(torch.from_numpy(w["fc"]), requires_grad=False)

    def _conv(self, x: torch.Tensor, key: str, stride: int, relu: bool) -> torch.Tensor:
        wt, b = self.convs[key + "_w"], self.convs[key + "_b"]
        if stride == 1:  # 'same', 3x3: one pixel each side
            x = F.conv2d(x, wt, b, 1, wt.shape[-1] // 2)
        else:  # 'valid'
            x = F.conv2d(x, wt, b, stride, 0)
        return F.relu(x) if relu else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean.to(x.dtype)) / self.divisor
        x = self._conv(x, "conv32_down", 2, True)
        x = F.max_pool2d(x, 3, 2)
        for b in self.blocks:
            if b.endswith("down") or b.endswith("down_out"):
                out = self._conv(x, f"{b}_conv1", 2, True)
                out = self._conv(out, f"{b}_conv2", 1, False)
                pooled = F.avg_pool2d(x, 2, 2)
                if pooled.shape[-1] != out.shape[-1]:  # face-api pads the conv path with a zero row and column
                    out = F.pad(out, (0, 1, 0, 1))
                if pooled.shape[1] != out.shape[1]:  # and the shortcut with zero channels
                    pooled = torch.cat([pooled, torch.zeros_like(pooled)], 1)
                x = F.relu(out + pooled)
            else:
                out = self._conv(x, f"{b}_conv1", 1, True)
                out = self._conv(out, f"{b}_conv2", 1, False)
                x = F.relu(out + x)
        x = x.mean((2, 3))
        return F.normalize((x @ self.fc.to(x.dtype)).float(), dim=1)


# ------------------------------------------------------------------------------------------- benchmark


def load(fixture_dir: Path, m: dict) -> torch.nn.Module:
    folder = fixture_dir / m["dir"]
    if m["kind"] == "layers":
        return LayersNet(folder)
    if m["kind"] == "face-api":
        return FaceApiRecognitionNet(folder, m.get("input_scaling", "dlib"))
    raise ValueError(f"{m['name']}: unknown kind {m['kind']}")


def fixture_inputs(m: dict) -> torch.Tensor:
    s = m["input_size"]
    raw = np.frombuffer(base64.b64decode(m["inputs_b64"]), np.uint8).reshape(m["faces"], s, s, 3)
    return torch.from_numpy(raw.copy())


def embed(net: torch.nn.Module, nhwc_u8: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """What a GPU worker does per batch: uint8 NHWC crops -> float NCHW (channels-last memory) -> embeddings."""
    x = nhwc_u8.permute(0, 3, 1, 2).to(dtype).contiguous(memory_format=torch.channels_last)
    return net(x)


def parity(net: torch.nn.Module, m: dict, device: torch.device, dtype: torch.dtype) -> dict:
    with torch.no_grad():
        got = embed(net, fixture_inputs(m).to(device), dtype).float().cpu().numpy()
    want = np.asarray(m["embeddings"], np.float32)
    cos = (got * want).sum(1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(want, axis=1))
    return {"min_cosine": float(cos.min()), "max_abs_diff": float(np.abs(got - want).max())}


def timed(fn, device: torch.device, min_seconds: float) -> tuple[float, int]:
    """Seconds per call (after warm-up), measured over at least min_seconds of back-to-back calls."""
    for _ in range(3):
        fn()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    calls, t0 = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        if calls % 4 == 0 or calls < 4:
            sync()
            elapsed = time.perf_counter() - t0
            if elapsed >= min_seconds and calls >= 3:
                return elapsed / calls, calls


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixture", default="artifacts/gpu-bench", help="folder written by npm run bench:gpu:export")
    ap.add_argument("--json", help="write the results here too")
    ap.add_argument("--seconds", type=float, default=0.5, help="minimum timed seconds per measurement")
    ap.add_argument("--batches", default="1,256,1024,4096,16384", help="faces per call")
    ap.add_argument("--dtypes", default="fp32,tf32,fp16,bf16", help="fp32 (TF32 off), tf32, fp16, bf16")
    ap.add_argument("--min-cosine", type=float, default=0.9999, help="fp32 parity required before timing")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile'd nets (bf16, largest batch)")
    args = ap.parse_args()

    fixture_dir = Path(args.fixture)
    if not (fixture_dir / "fixture.json").exists():
        print(f"error: {fixture_dir / 'fixture.json'} not found: run `npm run bench:gpu:export` first", file=sys.stderr)
        return 2
    fixture = json.loads((fixture_dir / "fixture.json").read_text())
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True
    dtypes = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
    report: dict = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "fixture_created": fixture["created"],
        "models": [],
        "results": [],
    }

    def save() -> None:
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")

    nets: dict[str, torch.nn.Module] = {}
    for m in fixture["models"]:
        net = load(fixture_dir, m).to(device).eval()
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        p = {"fp32": parity(net, m, device, torch.float32)}
        ok = p["fp32"]["min_cosine"] >= args.min_cosine
        for name in ("fp16", "bf16") if device.type == "cuda" else ():
            p[name] = parity(net.to(dtypes[name]), m, device, dtypes[name])
            net.float()
        report["models"].append({"name": m["name"], "params": m["params"], "input_size": m["input_size"],
                                 "parity": p, "parity_ok": ok})
        print(f"{m['name']}: parity with the TypeScript embedder: min cosine {p['fp32']['min_cosine']:.6f} "
              "(fp32)" + "".join(f", {k} {v['min_cosine']:.5f}" for k, v in p.items() if k != "fp32"))
        if not ok:
            print(f"error: {m['name']} does not reproduce the fixture (min cosine < {args.min_cosine}); not timing it",
                  file=sys.stderr)
            save()
            return 1
        nets[m["name"]] = net
    save()

    batches = [int(b) for b in args.batches.split(",")]
    for dname in args.dtypes.split(","):
        if device.type != "cuda" and dname != "fp32":
            continue
        dtype = dtypes[dname]
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = dname == "tf32"
        for name, net0 in nets.items():
            net = net0.to(dtype).to(memory_format=torch.channels_last)
            s = net.input_size
            for batch in batches:
                host = torch.randint(0, 256, (batch, s, s, 3), dtype=torch.uint8)
                if device.type == "cuda":
                    host = host.pin_memory()
                on_device = host.to(device)
                row = {"model": name, "dtype": dname, "batch": batch, "input_size": s}
                try:
                    with torch.no_grad():
                        sec, calls = timed(lambda: embed(net, on_device, dtype), device, args.seconds)
                        row["faces_per_second_on_device"] = round(batch / sec)
                        sec2, _ = timed(lambda: embed(net, host.to(device, non_blocking=True), dtype).cpu(), device,
                                        args.seconds)
                        row["faces_per_second_from_host"] = round(batch / sec2)
                        row["ms_per_call_from_host"] = round(sec2 * 1000, 3)
                except RuntimeError as e:  # out of memory at the largest batches: recorded, not fatal
                    if "out of memory" not in str(e):
                        raise
                    row["error"] = f"out of memory: {str(e).splitlines()[0]}"
                    torch.cuda.empty_cache()
                report["results"].append(row)
                print(json.dumps(row), flush=True)
                save()
            net0.float().to(memory_format=torch.contiguous_format)

    if args.compile and device.type == "cuda" and hasattr(torch, "compile"):
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        batch = max(batches)
        for name, net0 in nets.items():
            net = net0.to(torch.bfloat16).to(memory_format=torch.channels_last)
            s = net.input_size
            fn = torch.compile(lambda x, net=net: embed(net, x, torch.bfloat16))
            x = torch.randint(0, 256, (batch, s, s, 3), dtype=torch.uint8, device=device)
            t0 = time.perf_counter()
            with torch.no_grad():
                fn(x)
                torch.cuda.synchronize()
                compile_s = time.perf_counter() - t0
                sec, _ = timed(lambda: fn(x), device, args.seconds)
            row = {"model": name, "dtype": "bf16", "batch": batch, "input_size": s, "compiled": True,
                   "compile_seconds": round(compile_s, 1), "faces_per_second_on_device": round(batch / sec)}
            report["results"].append(row)
            print(json.dumps(row), flush=True)
            save()
            net0.float().to(memory_format=torch.contiguous_format)

    # Every model against the teacher, best configuration of each, measured in this run.
    best: dict[str, dict] = {}
    for r in report["results"]:
        if "faces_per_second_on_device" in r and r["faces_per_second_on_device"] > best.get(r["model"], {}).get(
                "faces_per_second_on_device", 0):
            best[r["model"]] = r
    if "teacher" in best:
        ref = best["teacher"]
        report["reference"] = {"model": "teacher", **{k: ref[k] for k in ("dtype", "batch", "faces_per_second_on_device")}}
        report["ratios"] = {n: round(r["faces_per_second_on_device"] / ref["faces_per_second_on_device"], 1)
                            for n, r in best.items() if n != "teacher"}
    print("\n| model | dtype | batch | faces/s on device | faces/s from host |")
    print("| --- | --- | --- | --- | --- |")
    for r in report["results"]:
        if r["batch"] in (1, max(batches)) or r.get("compiled"):
            print(f"| {r['model']} | {r['dtype']}{' compiled' if r.get('compiled') else ''} | {r['batch']} | "
                  f"{r.get('faces_per_second_on_device', '-'):,} | {r.get('faces_per_second_from_host', '-')} |")
    if "ratios" in report:
        print(f"\nbest of each against the teacher's best ({report['reference']['faces_per_second_on_device']:,} faces/s): "
              + ", ".join(f"{n} {v}x" for n, v in report["ratios"].items()))
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
