#ifndef CLINIC_CCURL_SHIM_H
#define CLINIC_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt is variadic, which Swift cannot call: one typed wrapper per argument kind.
static inline CURLcode clinic_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode clinic_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode clinic_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*clinic_curl_data_cb)(char *, size_t, size_t, void *);
static inline CURLcode clinic_curl_setopt_cb(CURL *h, CURLoption o, clinic_curl_data_cb v) { return curl_easy_setopt(h, o, v); }
typedef int (*clinic_curl_xfer_cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode clinic_curl_setopt_xfercb(CURL *h, CURLoption o, clinic_curl_xfer_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode clinic_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
#include <stdio.h>
// Reads a request body from a FILE* (an upload streamed from disk).
static inline size_t clinic_curl_read_file(char *buffer, size_t size, size_t count, void *file) {
    return fread(buffer, size, count, (FILE *)file);
}
#endif
