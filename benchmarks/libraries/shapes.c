// The study's own matrix products and convolutions, timed in each candidate library on one
// thread (loom runs one single-threaded product per thread, each on its part of the batch).
//
//     benchmarks/libraries/run.sh            # both kernel paths of this processor, one table
//
// Libraries are loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) so that OpenBLAS's and BLIS's
// `cblas_sgemm` do not clash. oneDNN is linked (dnnl_sgemm and its direct convolutions), libxsmm
// statically (its JIT small-matrix kernels; no BLAS fallback). The kernel path is chosen by the
// environment the script sets: OPENBLAS_CORETYPE, BLIS_ARCH_TYPE, ONEDNN_MAX_CPU_ISA,
// LIBXSMM_TARGET. One line of JSON per measurement.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <dnnl.h>
#include <libxsmm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *buffer(long count) {
    float *p = aligned_alloc(64, ((count * 4 + 63) / 64) * 64);
    for (long i = 0; i < count; i++) p[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    return p;
}

typedef struct { const char *model, *name; int m, n, k; int ta, tb; int repeat; } Shape;

// m, n, k of C[m×n] = op(A)[m×k]·op(B)[k×n]; `repeat`: how many such products one training batch
// of 128 makes (per-image convolution products run 128 times).
static const Shape shapes[] = {
    {"ref-cnn", "conv1 forward (per image)", 32, 784, 9, 0, 0, 128},
    {"ref-cnn", "conv1 weight gradient", 32, 9, 784, 0, 1, 128},
    {"ref-cnn", "conv2 forward", 64, 196, 288, 0, 0, 128},
    {"ref-cnn", "conv2 weight gradient", 64, 288, 196, 0, 1, 128},
    {"ref-cnn", "conv2 input gradient", 288, 196, 64, 1, 0, 128},
    {"ref-cnn", "dense 3136->128 forward", 128, 128, 3136, 0, 1, 1},
    {"ref-cnn", "dense 3136->128 weight gradient", 128, 3136, 128, 1, 0, 1},
    {"ref-cnn", "dense 3136->128 input gradient", 128, 3136, 128, 0, 0, 1},
    {"strong-cnn", "conv3 64->64 forward", 64, 196, 576, 0, 0, 128},
    {"strong-cnn", "conv3 weight gradient", 64, 576, 196, 0, 1, 128},
    {"strong-cnn", "conv3 input gradient", 576, 196, 64, 1, 0, 128},
    {"strong-cnn", "dense 3136->256 forward", 128, 256, 3136, 0, 1, 1},
    {"ref-mlp", "dense 784->256 forward", 128, 256, 784, 0, 1, 1},
    {"ref-mlp", "dense 784->256 weight gradient", 256, 784, 128, 1, 0, 1},
    {"ref-mlp", "dense 256->128 forward", 128, 128, 256, 0, 1, 1},
    {"ref-mlp", "inference 784->256 (batch 1000)", 1000, 256, 784, 0, 1, 1},
};

static double time_it(void (*body)(void *), void *context, double seconds) {
    body(context);   // warm-up (JIT, first-touch)
    double best = 1e30;
    for (int round = 0; round < 3; round++) {
        int reps = 0;
        double start = now(), elapsed;
        do { body(context); reps++; } while ((elapsed = now() - start) < seconds / 3);
        if (elapsed / reps < best) best = elapsed / reps;
    }
    return best;
}

typedef struct { const Shape *s; float *a, *b, *c; cblas_sgemm_fn cblas; libxsmm_smmfunction xsmm; } GemmCall;

static void run_cblas(void *p) {
    GemmCall *g = p; const Shape *s = g->s;
    g->cblas(RowMajor, s->ta ? Trans : NoTrans, s->tb ? Trans : NoTrans, s->m, s->n, s->k, 1, g->a,
             s->ta ? s->m : s->k, g->b, s->tb ? s->k : s->n, 0, g->c, s->n);
}
static void run_dnnl(void *p) {
    GemmCall *g = p; const Shape *s = g->s;
    dnnl_sgemm(s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->m, s->n, s->k, 1, g->a, s->ta ? s->m : s->k,
               g->b, s->tb ? s->k : s->n, 0, g->c, s->n);
}
static void run_xsmm(void *p) {
    GemmCall *g = p; const Shape *s = g->s;
    // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: an n×m product of B (n×k) and A (k×m).
    g->xsmm(g->b, g->a, g->c);
}

static cblas_sgemm_fn load(const char *library) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!handle) { fprintf(stderr, "shapes: cannot load %s: %s\n", library, dlerror()); return NULL; }
    return (cblas_sgemm_fn)dlsym(handle, "cblas_sgemm");
}

// oneDNN direct convolution (batch 128, NCHW in and out as loom stores them, oneDNN's own
// weight/activation layouts inside: format `any`), forward training, backward data, weights.
typedef struct { dnnl_primitive_t p; dnnl_stream_t stream; int argc; dnnl_exec_arg_t args[8]; } Prim;
static void run_prim(void *p) {
    Prim *q = p;
    dnnl_primitive_execute(q->p, q->stream, q->argc, q->args);
    dnnl_stream_wait(q->stream);
}

static void conv_dnnl(const char *path, const char *model, const char *name, int c, int h, int f, double seconds) {
    dnnl_engine_t engine; dnnl_stream_t stream;
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    const int n = 128;
    dnnl_dims_t src = {n, c, h, h}, wei = {f, c, 3, 3}, bia = {f}, dst = {n, f, h, h}, strides = {1, 1}, pad = {1, 1};
    dnnl_memory_desc_t src_md, wei_md, bia_md, dst_md, src_any, wei_any, dst_any;
    dnnl_memory_desc_init_by_tag(&src_md, 4, src, dnnl_f32, dnnl_nchw);
    dnnl_memory_desc_init_by_tag(&dst_md, 4, dst, dnnl_f32, dnnl_nchw);
    dnnl_memory_desc_init_by_tag(&wei_md, 4, wei, dnnl_f32, dnnl_oihw);
    dnnl_memory_desc_init_by_tag(&bia_md, 1, bia, dnnl_f32, dnnl_x);
    dnnl_memory_desc_init_by_tag(&src_any, 4, src, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&wei_any, 4, wei, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&dst_any, 4, dst, dnnl_f32, dnnl_format_tag_any);
    dnnl_convolution_desc_t fd, bdd, bwd;
    dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &src_any, &wei_any, &bia_md, &dst_any, strides, pad, pad);
    dnnl_primitive_desc_t fpd, bdpd, bwpd;
    if (dnnl_primitive_desc_create(&fpd, &fd, NULL, engine, NULL) != dnnl_success) { fprintf(stderr, "no conv for %s\n", name); return; }
    const dnnl_memory_desc_t *s_md = dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *d_md = dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0);
    // Backward data with its own layouts (the forward's weight layout sends it to the reference code).
    dnnl_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct, &src_any, &wei_any, &dst_any, strides, pad, pad);
    dnnl_primitive_desc_create(&bdpd, &bdd, NULL, engine, fpd);
    dnnl_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct, s_md, w_md, &bia_md, d_md, strides, pad, pad);
    dnnl_primitive_desc_create(&bwpd, &bwd, NULL, engine, fpd);
    dnnl_memory_t S, W, B, D, dS, dW, dB, dD;
    dnnl_memory_create(&S, s_md, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&W, w_md, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&B, &bia_md, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&D, d_md, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&dS, dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_src_md, 0), engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_t Wb, dDb;
    dnnl_memory_create(&Wb, dnnl_primitive_desc_query_md(bdpd, dnnl_query_weights_md, 0), engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&dDb, dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_dst_md, 0), engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&dW, w_md, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&dB, &bia_md, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&dD, d_md, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_t all[] = {S, W, B, D, dS, dW, dB, dD, Wb, dDb};
    for (int i = 0; i < 10; i++) { void *h; dnnl_memory_get_data_handle(all[i], &h); const dnnl_memory_desc_t *md; dnnl_memory_get_memory_desc(all[i], &md); memset(h, 0, dnnl_memory_desc_get_size(md)); }
    Prim fwd = {0, stream, 4, {{DNNL_ARG_SRC, S}, {DNNL_ARG_WEIGHTS, W}, {DNNL_ARG_BIAS, B}, {DNNL_ARG_DST, D}}};
    Prim bdat = {0, stream, 3, {{DNNL_ARG_DIFF_DST, dDb}, {DNNL_ARG_WEIGHTS, Wb}, {DNNL_ARG_DIFF_SRC, dS}}};
    Prim bwei = {0, stream, 4, {{DNNL_ARG_SRC, S}, {DNNL_ARG_DIFF_DST, dD}, {DNNL_ARG_DIFF_WEIGHTS, dW}, {DNNL_ARG_DIFF_BIAS, dB}}};
    dnnl_primitive_create(&fwd.p, fpd); dnnl_primitive_create(&bdat.p, bdpd); dnnl_primitive_create(&bwei.p, bwpd);
    const char *impls[3] = {NULL, NULL, NULL};
    dnnl_primitive_desc_t pds[] = {fpd, bdpd, bwpd};
    for (int i = 0; i < 3; i++) dnnl_primitive_desc_query(pds[i], dnnl_query_impl_info_str, 0, &impls[i]);
    if (getenv("SHAPES_VERBOSE")) fprintf(stderr, "%s: %s | %s | %s\n", name, impls[0], impls[1], impls[2]);
    double flops = 2.0 * n * f * h * h * c * 9;
    Prim *prims[] = {&fwd, &bdat, &bwei};
    const char *kinds[] = {"forward", "input gradient", "weight gradient"};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && c == 1) continue;   // the first layer needs no input gradient
        double t = time_it(run_prim, prims[i], seconds);
        printf("{\"path\":\"%s\",\"model\":\"%s\",\"op\":\"%s %s (batch 128)\",\"library\":\"oneDNN conv\",\"impl\":\"%s\",\"gflops\":%.2f,\"ms_per_batch\":%.3f}\n",
               path, model, name, kinds[i], impls[i] ? impls[i] : "?", flops / t / 1e9, t * 1e3);
    }
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "native";
    double seconds = argc > 2 ? atof(argv[2]) : 0.3;
    cblas_sgemm_fn openblas = load("libopenblas.so.0");
    cblas_sgemm_fn blis = load("/usr/lib/x86_64-linux-gnu/libblis.so.4");
    libxsmm_init();
    int convolutions_only = argc > 3 && strcmp(argv[3], "conv") == 0;
    for (size_t i = 0; !convolutions_only && i < sizeof shapes / sizeof *shapes; i++) {
        const Shape *s = &shapes[i];
        GemmCall g = {s, buffer((long)s->m * s->k), buffer((long)s->k * s->n), buffer((long)s->m * s->n), NULL, NULL};
        double flops = 2.0 * s->m * s->n * s->k;
        struct { const char *name; void (*run)(void *); cblas_sgemm_fn f; } libs[] = {
            {"OpenBLAS", run_cblas, openblas}, {"BLIS", run_cblas, blis}, {"oneDNN sgemm", run_dnnl, NULL}, {"libxsmm", run_xsmm, NULL}};
        for (int l = 0; l < 4; l++) {
            if (libs[l].run == run_cblas && !libs[l].f) continue;
            if (libs[l].run == run_xsmm) {
                if (s->ta || s->tb) continue;   // JIT kernels here: no-transpose products only
                g.xsmm = libxsmm_smmdispatch(s->n, s->m, s->k, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
                if (!g.xsmm) continue;
            }
            g.cblas = libs[l].f;
            double t = time_it(libs[l].run, &g, seconds);
            printf("{\"path\":\"%s\",\"model\":\"%s\",\"op\":\"%s %dx%dx%d%s%s\",\"library\":\"%s\",\"gflops\":%.2f,\"ms_per_batch\":%.3f}\n",
                   path, s->model, s->name, s->m, s->n, s->k, s->ta ? " Aᵀ" : "", s->tb ? " Bᵀ" : "", libs[l].name,
                   flops / t / 1e9, t * 1e3 * s->repeat);
            fflush(stdout);
        }
        free(g.a); free(g.b); free(g.c);
    }
    conv_dnnl(path, "ref-cnn", "conv1 1->32 28x28", 1, 28, 32, seconds);
    conv_dnnl(path, "ref-cnn", "conv2 32->64 14x14", 32, 14, 64, seconds);
    conv_dnnl(path, "strong-cnn", "conv3 64->64 14x14", 64, 14, 64, seconds);
    libxsmm_finalize();
    return 0;
}
