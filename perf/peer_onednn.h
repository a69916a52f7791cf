/* The oneDNN convolution baseline of numapool-perf conv. */
#ifndef NUMAPOOL_PERF_PEER_ONEDNN_H
#define NUMAPOOL_PERF_PEER_ONEDNN_H

#include <stddef.h>
#include <stdint.h>

/* A square batch-1 NCHW layer with symmetric padding. */
typedef struct onednn_conv_shape {
  int64_t in_channels, out_channels, in_size, out_size, kernel, stride, pad;
  size_t threads, warmup;
} onednn_conv_shape_t;

/* Times count runs of the layer after shape->warmup untimed ones. Returns
 * 0, or -1 with the reason in error (also when oneDNN is not built in). */
int onednn_conv_measure(const onednn_conv_shape_t *shape, double *samples, size_t count,
                        char *error, size_t error_size);

#endif /* NUMAPOOL_PERF_PEER_ONEDNN_H */
