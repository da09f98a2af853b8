// oneDNN's C API (libdnnl-dev 2.6, Debian 12). Debian builds oneDNN on OpenMP (libgomp), so
// loom also links libgomp for `omp_set_num_threads`: TensorCore runs each oneDNN primitive on the
// calling thread only, inside loom's own chunks of the batch (see DirectConvolution.swift).
#include <dnnl.h>

/// libgomp's: sets the calling thread's OpenMP thread count (its nthreads-var ICV).
void omp_set_num_threads(int);
/// libgomp's: the calling thread's OpenMP thread count for its next parallel region.
int omp_get_max_threads(void);
