// OpenBLAS's CBLAS interface (libopenblas-dev). Linked as `openblas` directly rather than
// through Debian's BLAS alternative, so that `openblas_set_num_threads` is always present.
#include <cblas.h>
