/* Symbol visibility for numapool's public functions. The library is built
 * with hidden visibility by default; only functions marked NUMAPOOL_API are
 * exported. */
#ifndef NUMAPOOL_EXPORT_H
#define NUMAPOOL_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define NUMAPOOL_API __attribute__((visibility("default")))
#define NUMAPOOL_INTERNAL __attribute__((visibility("hidden")))
#else
#define NUMAPOOL_API
#define NUMAPOOL_INTERNAL
#endif

#endif /* NUMAPOOL_EXPORT_H */
