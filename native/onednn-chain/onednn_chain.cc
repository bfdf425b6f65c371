// Runs a chain-shaped conv net (the LR student, or the small-face detector, after batch-norm folding)
// on oneDNN's CPU kernels,
// which are generated at run time for the host's instruction set (AVX2 with FMA, AVX-512 where
// present). The TypeScript side (src/runtime/native-chain.ts) describes the chain in tfjs' own weight
// layouts and checks the result against the tfjs path; this file only builds and runs the primitives.
//
// JS API (N-API, no C++ wrapper library):
//   createChain(height, width, channels, scale, offset, threads, meta: Uint32Array,
//               tensors: Float32Array[])
//     meta holds 10 numbers per op: kind (0 conv, 1 depthwise, 2 dense), kernel h, w, stride h, w,
//     padding (0 valid, 1 TensorFlow's same), input channels, output channels, depth multiplier,
//     activation (0 linear, 1 relu, 2 prelu); tensors holds 3 per op, in tfjs layouts: kernel
//     ([kh, kw, in, out]; depthwise [kh, kw, C, M]; dense [in, out]), bias, PReLU slopes (empty
//     unless prelu). A dense op may only come last, after a 1x1 map; a chain may also end in a
//     convolution (a fully convolutional net: its output map is returned, nhwc).
//   run(chain, pixels: Float32Array, n, height, width) -> Promise<Float32Array>
//     n inputs of height x width x channels (nhwc, before rescale) -> n outputs, off the JS thread
//   dispose(chain)
//
// Each chain owns one worker thread that runs its batches in order. Not libuv's pool: OpenMP keeps a
// thread team per calling thread, and batches hopping between pool threads measured 17-26% slower at
// batches of 64-256 (teams spinning against each other, cold caches).
#include <node_api.h>
#include <omp.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

constexpr uint32_t kMetaPerOp = 10;
// Plans kept per chain: at most 7 batch chunks per input size; a detector sees a few tile sizes.
constexpr size_t kMaxPlans = 32;
// Primitives are built per batch size (oneDNN fixes shapes at creation, ~10-15 ms a plan). A batch runs
// as chunks of powers of two up to kMaxChunk (63 = 32 + 16 + 8 + 4 + 2 + 1), so a chain builds at most
// 7 plans whatever sizes a dynamic batcher sends: one plan per size, evicting, ran mixed sizes 1..64 at
// half the steady rate.
constexpr size_t kMaxChunk = 64;
// Chunks smaller than this run on one thread whatever the chain's thread count.
constexpr size_t kParallelBatch = 16;

struct Op {
  uint32_t kind, kh, kw, sh, sw, same, inC, outC, dm, act;
  std::vector<float> weights, bias, alpha;
};

// TensorFlow's 'same' padding along one axis: {before, after}, the odd pixel after.
std::pair<size_t, size_t> SamePadding(size_t size, size_t kernel, size_t stride) {
  const size_t out = (size + stride - 1) / stride;
  const long total = std::max<long>(static_cast<long>((out - 1) * stride + kernel) - static_cast<long>(size), 0);
  return {static_cast<size_t>(total / 2), static_cast<size_t>(total - total / 2)};
}

struct Step {
  dnnl::primitive prim;
  std::unordered_map<int, memory> args;
};

// Everything needed to run one batch size: primitives, their weights in oneDNN's chosen layouts,
// the activations, and the user-facing input/output buffers.
struct Plan {
  std::vector<Step> steps;
  std::vector<float> input, output;
  memory inputMem, outputMem;
  size_t outPerItem = 0;  // floats of one input's output
  uint64_t lastUse = 0;
};

// A plan's shape: batch chunk, input height, input width.
using PlanKey = std::tuple<size_t, size_t, size_t>;

struct Job {
  size_t n = 0, height = 0, width = 0;
  std::vector<float> pixels, result;
  std::string error;
  napi_deferred deferred = nullptr;
};

// The worker side of a chain: a queue of jobs, the thread that runs them, and the thread-safe function
// that hands results back to the JS thread.
struct Worker {
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job*> queue;
  bool stopping = false;
  napi_threadsafe_function done = nullptr;
  uint32_t pending = 0;  // JS thread only: jobs whose promise is unsettled
};

struct Chain {
  uint32_t height = 0, width = 0, channels = 0, threads = 1;
  float scale = 1, offset = 0;
  std::vector<Op> ops;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  std::mutex mu;
  std::map<PlanKey, std::unique_ptr<Plan>> plans;
  uint64_t uses = 0;
  bool disposed = false;
  Worker worker;
};

using ChainRef = std::shared_ptr<Chain>;

void WorkerLoop(Chain* c);
void Settle(napi_env env, napi_value, void* context, void* data);
void Shutdown(Chain& c);

memory::dims Dims4(size_t n, size_t c, size_t h, size_t w) {
  return {static_cast<memory::dim>(n), static_cast<memory::dim>(c), static_cast<memory::dim>(h),
          static_cast<memory::dim>(w)};
}

// Copies `user` into a new memory of `desc` (a reorder) unless the layouts already agree.
memory Reordered(dnnl::engine& eng, dnnl::stream& s, memory user, const memory::desc& desc) {
  if (user.get_desc() == desc) return user;
  memory out(desc, eng);
  dnnl::reorder(user, out).execute(s, user, out);
  s.wait();
  return out;
}

void BuildPlan(Chain& c, size_t n, size_t height, size_t width, Plan& plan) {
  dnnl::engine& eng = c.engine;
  dnnl::stream s(eng);
  size_t h = height, w = width, ch = c.channels;
  plan.input.resize(n * h * w * ch);
  plan.inputMem = memory({Dims4(n, ch, h, w), dt::f32, tag::nhwc}, eng, plan.input.data());
  memory x = plan.inputMem;
  for (size_t i = 0; i < c.ops.size(); i++) {
    const Op& op = c.ops[i];
    const bool last = i + 1 == c.ops.size();
    dnnl::primitive_attr attr;
    dnnl::post_ops po;
    if (op.act == 1) po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    // PReLU runs as its own primitive: with it as a post-op oneDNN 2.6 falls back to its reference
    // convolution on AVX2 (measured: ~100x slower).
    attr.set_post_ops(po);
    const size_t outC = op.kind == 1 ? static_cast<size_t>(op.inC) * op.dm : op.outC;
    memory::desc biasDesc({static_cast<memory::dim>(outC)}, dt::f32, tag::a);
    memory bias(biasDesc, eng, const_cast<float*>(op.bias.data()));
    Step step;
    if (op.kind == 2) {
      // Dense on a 1x1 map: the previous output is [n, C, 1, 1] in nhwc, i.e. [n, C] in nc.
      memory::desc src({static_cast<memory::dim>(n), static_cast<memory::dim>(op.inC)}, dt::f32, tag::nc);
      memory::desc userW({static_cast<memory::dim>(outC), static_cast<memory::dim>(op.inC)}, dt::f32, tag::io);
      memory::desc anyW({static_cast<memory::dim>(outC), static_cast<memory::dim>(op.inC)}, dt::f32, tag::any);
      memory::desc dst({static_cast<memory::dim>(n), static_cast<memory::dim>(outC)}, dt::f32, tag::nc);
      dnnl::inner_product_forward::desc d(dnnl::prop_kind::forward_inference, src, anyW, biasDesc, dst);
      dnnl::inner_product_forward::primitive_desc pd(d, attr, eng);
      memory wUser(userW, eng, const_cast<float*>(op.weights.data()));
      memory wMem = Reordered(eng, s, wUser, pd.weights_desc());
      // The 1x1 map arrives in the previous convolution's layout (often channel-blocked); the dense
      // layer reads it as plain [n, C], i.e. nhwc.
      memory::desc plain(Dims4(n, op.inC, 1, 1), dt::f32, tag::nhwc);
      if (x.get_desc() != plain) {
        memory moved(plain, eng);
        Step r;
        r.prim = dnnl::reorder(x, moved);
        r.args = {{DNNL_ARG_FROM, x}, {DNNL_ARG_TO, moved}};
        plan.steps.push_back(std::move(r));
        x = moved;
      }
      memory srcMem(pd.src_desc(), eng, x.get_data_handle());
      if (!last || h != 1 || w != 1) throw std::runtime_error("a dense layer must come last, after a 1x1 map");
      plan.outPerItem = outC;
      plan.output.resize(n * outC);
      plan.outputMem = memory(dst, eng, plan.output.data());
      step.prim = dnnl::inner_product_forward(pd);
      step.args = {{DNNL_ARG_SRC, srcMem}, {DNNL_ARG_WEIGHTS, wMem}, {DNNL_ARG_BIAS, bias},
                   {DNNL_ARG_DST, plan.outputMem}};
      plan.steps.push_back(std::move(step));
      x = plan.outputMem;
      continue;
    }
    const auto [pt, pb] = op.same ? SamePadding(h, op.kh, op.sh) : std::pair<size_t, size_t>{0, 0};
    const auto [pl, pr] = op.same ? SamePadding(w, op.kw, op.sw) : std::pair<size_t, size_t>{0, 0};
    if (h + pt + pb < op.kh || w + pl + pr < op.kw) throw std::runtime_error("input smaller than a kernel");
    const size_t oh = (h + pt + pb - op.kh) / op.sh + 1;
    const size_t ow = (w + pl + pr - op.kw) / op.sw + 1;
    memory::desc userW, anyW;
    if (op.kind == 0) {
      memory::dims wd = Dims4(outC, op.inC, op.kh, op.kw);
      userW = memory::desc(wd, dt::f32, tag::hwio);
      anyW = memory::desc(wd, dt::f32, tag::any);
    } else {
      memory::dims wd = {static_cast<memory::dim>(op.inC), static_cast<memory::dim>(op.dm), 1,
                         static_cast<memory::dim>(op.kh), static_cast<memory::dim>(op.kw)};
      userW = memory::desc(wd, dt::f32, tag::hwigo);
      anyW = memory::desc(wd, dt::f32, tag::any);
    }
    memory::desc srcAny(Dims4(n, ch, h, w), dt::f32, tag::any);
    // Layouts are oneDNN's choice (pinning the global depthwise conv's output to nhwc made it fall back
    // to the reference kernel: 20% of the time).
    memory::desc dstDesc(Dims4(n, outC, oh, ow), dt::f32, tag::any);
    dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, srcAny, anyW, biasDesc,
        dstDesc, {static_cast<memory::dim>(op.sh), static_cast<memory::dim>(op.sw)},
        {static_cast<memory::dim>(pt), static_cast<memory::dim>(pl)},
        {static_cast<memory::dim>(pb), static_cast<memory::dim>(pr)});
    dnnl::convolution_forward::primitive_desc pd(d, attr, eng);
    if (x.get_desc() != pd.src_desc()) {
      memory moved(pd.src_desc(), eng);
      Step r;
      r.prim = dnnl::reorder(x, moved);
      r.args = {{DNNL_ARG_FROM, x}, {DNNL_ARG_TO, moved}};
      plan.steps.push_back(std::move(r));
      x = moved;
    }
    memory wUser(userW, eng, const_cast<float*>(op.weights.data()));
    memory wMem = Reordered(eng, s, wUser, pd.weights_desc());
    memory y(pd.dst_desc(), eng);
    step.prim = dnnl::convolution_forward(pd);
    step.args = {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, wMem}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, y}};
    plan.steps.push_back(std::move(step));
    if (op.act == 2) {
      memory::desc userSlope(Dims4(1, outC, 1, 1), dt::f32, tag::nchw);
      memory::desc anySlope(Dims4(1, outC, 1, 1), dt::f32, tag::any);
      dnnl::prelu_forward::desc pdesc(dnnl::prop_kind::forward_inference, y.get_desc(), anySlope);
      dnnl::prelu_forward::primitive_desc ppd(pdesc, eng);
      memory slope = Reordered(eng, s, memory(userSlope, eng, const_cast<float*>(op.alpha.data())),
                               ppd.weights_desc());
      Step p;
      p.prim = dnnl::prelu_forward(ppd);
      p.args = {{DNNL_ARG_SRC, y}, {DNNL_ARG_WEIGHTS, slope}, {DNNL_ARG_DST, y}};
      plan.steps.push_back(std::move(p));
    }
    x = y;
    h = oh;
    w = ow;
    ch = outC;
    if (last) {
      // A fully convolutional chain returns its map as plain nhwc.
      plan.outPerItem = h * w * ch;
      plan.output.resize(n * plan.outPerItem);
      plan.outputMem = memory({Dims4(n, ch, h, w), dt::f32, tag::nhwc}, eng, plan.output.data());
      Step r;
      r.prim = dnnl::reorder(x, plan.outputMem);
      r.args = {{DNNL_ARG_FROM, x}, {DNNL_ARG_TO, plan.outputMem}};
      plan.steps.push_back(std::move(r));
    }
  }
}

// The plan for a chunk of `n` inputs of height x width, built on first use; least recently used out.
Plan& PlanFor(Chain& c, size_t n, size_t height, size_t width) {
  const PlanKey key{n, height, width};
  auto it = c.plans.find(key);
  if (it == c.plans.end()) {
    if (c.plans.size() >= kMaxPlans) {
      auto oldest = std::min_element(c.plans.begin(), c.plans.end(), [](const auto& a, const auto& b) {
        return a.second->lastUse < b.second->lastUse;
      });
      c.plans.erase(oldest);
    }
    auto plan = std::make_unique<Plan>();
    BuildPlan(c, n, height, width, *plan);
    it = c.plans.emplace(key, std::move(plan)).first;
  }
  it->second->lastUse = ++c.uses;
  return *it->second;
}

// Runs one batch under the chain's lock; `pixels` is n x height x width x channels, raw (before rescale).
std::string RunBatch(Chain& c, const std::vector<float>& pixels, size_t n, size_t height, size_t width,
                     std::vector<float>& result) {
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.disposed) return "chain is disposed";
  try {
    const size_t perItem = height * width * c.channels;
    for (size_t done = 0; done < n;) {
      size_t chunk = kMaxChunk;
      while (chunk > n - done) chunk >>= 1;
      // Small chunks run on one thread: waking OpenMP's team costs more than it saves (one face on two
      // threads measured 6x slower than on one). A plan always runs with the count it was built with.
      omp_set_num_threads(chunk < kParallelBatch ? 1 : static_cast<int>(c.threads));
      Plan& p = PlanFor(c, chunk, height, width);
      if (done == 0) result.resize(n * p.outPerItem);
      const float* in = pixels.data() + done * perItem;
      for (size_t i = 0; i < chunk * perItem; i++) p.input[i] = in[i] * c.scale + c.offset;
      dnnl::stream s(c.engine);
      for (Step& step : p.steps) step.prim.execute(s, step.args);
      s.wait();
      std::memcpy(result.data() + done * p.outPerItem, p.output.data(), chunk * p.outPerItem * sizeof(float));
      done += chunk;
    }
  } catch (const dnnl::error& e) {
    return std::string("oneDNN: ") + e.what();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

napi_value Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, "NATIVE_CHAIN", message.c_str());
  return nullptr;
}

bool GetU32(napi_env env, napi_value v, uint32_t* out) { return napi_get_value_uint32(env, v, out) == napi_ok; }

bool GetF64(napi_env env, napi_value v, double* out) { return napi_get_value_double(env, v, out) == napi_ok; }

// A Float32Array's elements, or false when `v` is not one.
bool GetFloats(napi_env env, napi_value v, const float** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, &buffer, &offset) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = static_cast<const float*>(raw);
  return true;
}

ChainRef* Unwrap(napi_env env, napi_value v) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok) return nullptr;
  return static_cast<ChainRef*>(data);
}

napi_value CreateChain(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 8) return Throw(env, "createChain expects 8 arguments");
  auto chain = std::make_shared<Chain>();
  double scale = 1, offset = 0;
  if (!GetU32(env, argv[0], &chain->height) || !GetU32(env, argv[1], &chain->width) ||
      !GetU32(env, argv[2], &chain->channels) || !GetF64(env, argv[3], &scale) ||
      !GetF64(env, argv[4], &offset) || !GetU32(env, argv[5], &chain->threads) || chain->threads == 0 ||
      chain->height == 0 || chain->width == 0 || chain->channels == 0) {
    return Throw(env, "createChain: height, width, channels, scale, offset and threads must be positive numbers");
  }
  napi_value metaArg = argv[6], tensorsArg = argv[7];
  chain->scale = static_cast<float>(scale);
  chain->offset = static_cast<float>(offset);
  bool is = false;
  napi_typedarray_type type;
  size_t metaLength = 0;
  void* metaRaw = nullptr;
  napi_value ab;
  size_t off = 0;
  if (napi_is_typedarray(env, metaArg, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, metaArg, &type, &metaLength, &metaRaw, &ab, &off) != napi_ok ||
      type != napi_uint32_array || metaLength % kMetaPerOp != 0 || metaLength == 0) {
    return Throw(env, "createChain: meta must be a Uint32Array of 10 numbers per op");
  }
  const uint32_t* meta = static_cast<const uint32_t*>(metaRaw);
  const size_t nOps = metaLength / kMetaPerOp;
  uint32_t nTensors = 0;
  if (napi_get_array_length(env, tensorsArg, &nTensors) != napi_ok || nTensors != nOps * 3) {
    return Throw(env, "createChain: tensors must be an array of 3 Float32Arrays per op");
  }
  uint32_t channels = chain->channels;
  for (size_t i = 0; i < nOps; i++) {
    const uint32_t* m = meta + i * kMetaPerOp;
    Op op{m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], {}, {}, {}};
    const bool lastOp = i + 1 == nOps;
    if (op.kind > 2 || op.act > 2 || op.same > 1 || op.inC != channels || op.sh == 0 || op.sw == 0 ||
        op.kh == 0 || op.kw == 0 || op.dm == 0 || (op.kind == 2 && !lastOp)) {
      return Throw(env, "createChain: op " + std::to_string(i) +
                            " is malformed, does not follow its input, or is a dense layer not at the end");
    }
    const size_t outC = op.kind == 1 ? static_cast<size_t>(op.inC) * op.dm : op.outC;
    const size_t kernel = op.kind == 2   ? outC * op.inC
                          : op.kind == 1 ? static_cast<size_t>(op.kh) * op.kw * outC
                                         : outC * op.kh * op.kw * op.inC;
    const size_t expected[3] = {kernel, outC, op.act == 2 ? outC : 0};
    std::vector<float>* dest[3] = {&op.weights, &op.bias, &op.alpha};
    for (uint32_t t = 0; t < 3; t++) {
      napi_value el;
      const float* data = nullptr;
      size_t len = 0;
      if (napi_get_element(env, tensorsArg, static_cast<uint32_t>(i * 3 + t), &el) != napi_ok ||
          !GetFloats(env, el, &data, &len) || len != expected[t]) {
        return Throw(env, "createChain: op " + std::to_string(i) + " tensor " + std::to_string(t) +
                              " must be a Float32Array of " + std::to_string(expected[t]));
      }
      dest[t]->assign(data, data + len);
    }
    channels = static_cast<uint32_t>(outC);
    chain->ops.push_back(std::move(op));
  }
  // Build the batch-1 plan of the nominal size now, so that a chain oneDNN rejects fails here.
  std::vector<float> probe(static_cast<size_t>(chain->height) * chain->width * chain->channels), out;
  std::string err = RunBatch(*chain, probe, 1, chain->height, chain->width, out);
  if (!err.empty()) return Throw(env, "createChain: " + err);
  napi_value name;
  napi_create_string_utf8(env, "onednn-chain", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, chain.get(), Settle,
                                      &chain->worker.done) != napi_ok) {
    return Throw(env, "createChain: could not create its completion queue");
  }
  napi_unref_threadsafe_function(env, chain->worker.done);
  chain->worker.thread = std::thread(WorkerLoop, chain.get());
  auto* ref = new ChainRef(chain);
  napi_value result;
  napi_create_external(
      env, ref,
      [](napi_env, void* data, void*) {
        auto* r = static_cast<ChainRef*>(data);
        Shutdown(**r);
        delete r;
      },
      nullptr, &result);
  return result;
}

void WorkerLoop(Chain* c) {
  for (;;) {
    Job* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(c->worker.mu);
      c->worker.cv.wait(lock, [c] { return c->worker.stopping || !c->worker.queue.empty(); });
      if (c->worker.queue.empty()) return;  // stopping, and every queued job has run
      job = c->worker.queue.front();
      c->worker.queue.pop_front();
    }
    job->error = RunBatch(*c, job->pixels, job->n, job->height, job->width, job->result);
    napi_call_threadsafe_function(c->worker.done, job, napi_tsfn_blocking);
  }
}

// On the JS thread: settles a job's promise.
void Settle(napi_env env, napi_value, void* context, void* data) {
  Chain* c = static_cast<Chain*>(context);
  Job* j = static_cast<Job*>(data);
  if (env != nullptr) {
    if (j->error.empty()) {
      napi_value buffer, array;
      void* out = nullptr;
      napi_create_arraybuffer(env, j->result.size() * sizeof(float), &out, &buffer);
      std::memcpy(out, j->result.data(), j->result.size() * sizeof(float));
      napi_create_typedarray(env, napi_float32_array, j->result.size(), buffer, 0, &array);
      napi_resolve_deferred(env, j->deferred, array);
    } else {
      napi_value msg, err;
      napi_create_string_utf8(env, ("native chain: " + j->error).c_str(), NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, nullptr, msg, &err);
      napi_reject_deferred(env, j->deferred, err);
    }
    // An idle chain must not keep the process alive; a busy one must, until its promises settle.
    if (--c->worker.pending == 0) napi_unref_threadsafe_function(env, c->worker.done);
  }
  delete j;
}

// Stops the worker after the jobs already queued (which then fail with "disposed"), once.
void Shutdown(Chain& c) {
  {
    std::lock_guard<std::mutex> lock(c.mu);
    c.disposed = true;
    c.plans.clear();
  }
  {
    std::lock_guard<std::mutex> lock(c.worker.mu);
    if (c.worker.stopping) return;
    c.worker.stopping = true;
  }
  c.worker.cv.notify_all();
  if (c.worker.thread.joinable()) c.worker.thread.join();
  napi_release_threadsafe_function(c.worker.done, napi_tsfn_release);
}

napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  ChainRef* ref = argc == 5 ? Unwrap(env, argv[0]) : nullptr;
  if (ref == nullptr) return Throw(env, "run expects (chain, pixels, n, height, width)");
  const float* data = nullptr;
  size_t len = 0;
  uint32_t n = 0, height = 0, width = 0;
  if (!GetFloats(env, argv[1], &data, &len) || !GetU32(env, argv[2], &n) || n == 0 ||
      !GetU32(env, argv[3], &height) || !GetU32(env, argv[4], &width) || height == 0 || width == 0) {
    return Throw(env, "run: pixels must be a Float32Array and n, height and width positive integers");
  }
  Chain& c = **ref;
  if (len != static_cast<size_t>(n) * height * width * c.channels) {
    return Throw(env, "run: pixels hold " + std::to_string(len) + " floats, expected n x " +
                          std::to_string(height) + " x " + std::to_string(width) + " x " +
                          std::to_string(c.channels));
  }
  auto* job = new Job();
  job->n = n;
  job->height = height;
  job->width = width;
  job->pixels.assign(data, data + len);
  napi_value promise;
  napi_create_promise(env, &job->deferred, &promise);
  {
    std::lock_guard<std::mutex> lock(c.worker.mu);
    if (c.worker.stopping) {
      delete job;
      return Throw(env, "run: the chain is disposed");
    }
    c.worker.queue.push_back(job);
  }
  if (c.worker.pending++ == 0) napi_ref_threadsafe_function(env, c.worker.done);
  c.worker.cv.notify_one();
  return promise;
}

napi_value Dispose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  ChainRef* ref = argc == 1 ? Unwrap(env, argv[0]) : nullptr;
  if (ref == nullptr) return Throw(env, "dispose expects (chain)");
  Shutdown(**ref);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"createChain", nullptr, CreateChain, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dispose", nullptr, Dispose, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
